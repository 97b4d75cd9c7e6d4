import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// Real Nix for the tests that evaluate the project's Nix code: nix-instantiate on PATH and nixpkgs' module
// library at NIXPKGS_LIB (by default the copy CI lays beside the clone). Each test file says why it skips.
export const NIXPKGS_LIB = path.resolve(process.env.NIXPKGS_LIB ?? "../shared/nixpkgs-lib");
export const nixFound = spawnSync("nix-instantiate", ["--version"]).status === 0;
export const libFound = existsSync(path.join(NIXPKGS_LIB, "lib", "default.nix"));

/** Why Nix evaluation tests cannot run here, or null when they can. */
export function nixMissing(): string | null {
  if (!nixFound) return "nix-instantiate is not on PATH (apt-get install nix-bin)";
  if (!libFound)
    return `no nixpkgs module library at ${NIXPKGS_LIB} (set NIXPKGS_LIB, or lay shared/ beside the clone as CI does)`;
  return null;
}

/**
 * nix/deployment evaluated on `document` (written as deployment.json) as the fake nixops4 evaluates it:
 * the result as JSON, or Nix's error message.
 */
export function evaluateDeployment(document: unknown): { value?: any; error: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "fedi-nix-"));
  try {
    const file = path.join(dir, "deployment.json");
    writeFileSync(file, JSON.stringify(document));
    const result = spawnSync(
      "nix-instantiate",
      [
        "--eval",
        "--strict",
        "--json",
        "test/fakes/nixops4/evaluate.nix",
        "--arg",
        "nixpkgsLib",
        NIXPKGS_LIB,
        "--arg",
        "deploymentJson",
        file,
      ],
      { encoding: "utf8" },
    );
    return {
      value: result.status === 0 ? JSON.parse(result.stdout) : undefined,
      error: result.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
