import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { SECRET_VARIABLES } from "../../src/common/secret-file.js";
import { NIXPKGS_LIB, libFound, nixFound, nixMissing } from "../support/nix.js";

// The NixOS module evaluated with real Nix against nixpkgs' module library (NIXPKGS_LIB, by default the
// copy CI lays beside the clone), with stand-ins for the NixOS options it sets.
if (!nixFound) console.warn(`skipping the Nix module tests: ${nixMissing()}`);
if (nixFound && !libFound)
  console.warn(`skipping the NixOS module evaluation: ${nixMissing()}; the .nix files are still parsed`);
const describeWithNix = nixFound ? describe : describe.skip;
const itWithLib = libFound ? it : it.skip;

type Unit = {
  after: string[];
  requires: string[];
  wantedBy: string[];
  partOf: string[];
  path: string[];
  environment: Record<string, string>;
  serviceConfig: Record<string, unknown>;
};
type Evaluated = {
  failedAssertions: string[];
  services: Record<string, Unit>;
  targets: Record<string, { wants: string[]; wantedBy: string[] }>;
  postgresql: {
    enable: boolean;
    ensureDatabases: string[];
    ensureUsers: { name: string; ensureDBOwnership: boolean }[];
  };
  firewall: number[];
  manage: string[];
  settingNames: string[];
};

function evaluate(configuration: string): { value?: Evaluated; error: string } {
  const result = spawnSync(
    "nix-instantiate",
    [
      "--eval",
      "--strict",
      "--json",
      "test/nix/eval-module.nix",
      "--arg",
      "nixpkgsLib",
      NIXPKGS_LIB,
      "--arg",
      "configuration",
      configuration,
    ],
    { encoding: "utf8" },
  );
  return {
    value: result.status === 0 ? (JSON.parse(result.stdout) as Evaluated) : undefined,
    error: result.stderr,
  };
}

function evaluated(configuration: string): Evaluated {
  const { value, error } = evaluate(configuration);
  if (!value) throw new Error(`evaluation failed:\n${error}`);
  return value;
}

const KEYS = `AUTH_ENCRYPTION_KEY = "/run/keys/fedicentral-auth"; ACCOUNTING_SIGNING_KEY_SECRET = "/run/keys/fedicentral-accounting";`;
const FULL = `{
  services.fedicentral = {
    enable = true;
    publicUrl = "https://fedicentral.example.org";
    port = 4100;
    workers = 2;
    openFirewall = true;
    secrets = { ${KEYS} NETBOX_SECRET_KEY = "/run/keys/fedicentral-netbox"; DESEC_TOKEN = "/run/keys/desec"; };
    settings = {
      LOG_LEVEL = "debug";
      METRICS_ENABLED = true;
      RUN_TIMEOUT_MS = 600000;
      NIXOPS4_SECRET_ENV = [ "DESEC_TOKEN" ];
    };
    nixops4.package = { type = "derivation"; name = "nixops4"; outPath = "/nix/store/11111111111111111111111111111111-nixops4"; meta.mainProgram = "nixops4"; };
    nixops4.environment = { NIX_PATH = "nixpkgs=/etc/nixpkgs"; };
  };
}`;

const HARDENING = {
  ProtectSystem: "strict",
  PrivateTmp: true,
  NoNewPrivileges: true,
  DynamicUser: true,
  StateDirectory: "fedicentral",
  RestrictAddressFamilies: ["AF_UNIX", "AF_INET", "AF_INET6"],
  SystemCallFilter: ["@system-service"],
  MemoryDenyWriteExecute: false,
};

describeWithNix("the NixOS module", () => {
  it("every .nix file parses", () => {
    const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.nix"], {
      encoding: "utf8",
    })
      .stdout.split("\n")
      .filter(Boolean);
    expect(files).toEqual(
      expect.arrayContaining(["flake.nix", "nix/module.nix", "nix/package.nix", "nix/tests/vm.nix"]),
    );
    for (const file of files) {
      const parsed = spawnSync("nix-instantiate", ["--parse", file], { encoding: "utf8" });
      expect({ file, status: parsed.status, error: parsed.stderr }).toEqual({ file, status: 0, error: "" });
    }
  });

  itWithLib(
    "makes a migrate oneshot, a notify server and worker units ordered after PostgreSQL and the migrations",
    () => {
      const e = evaluated(FULL);
      expect(e.failedAssertions).toEqual([]);
      const migrate = e.services["fedicentral-migrate"]!;
      const server = e.services["fedicentral"]!;
      const worker = e.services["fedicentral-worker@"]!;
      expect(migrate.serviceConfig).toMatchObject({
        Type: "oneshot",
        RemainAfterExit: true,
        ExecStart: expect.stringMatching(/-fedicentral\/bin\/fedicentral db migrate$/),
        ...HARDENING,
      });
      expect(migrate.after).toContain("postgresql.service");
      expect(migrate.requires).toContain("postgresql.service");
      expect(server.serviceConfig).toMatchObject({
        Type: "notify",
        NotifyAccess: "all",
        WatchdogSec: expect.any(String),
        ExecStart: expect.stringMatching(/-fedicentral\/bin\/fedicentral serve$/),
        ...HARDENING,
      });
      expect(worker.serviceConfig).toMatchObject({
        Type: "notify",
        ExecStart: expect.stringMatching(/-fedicentral\/bin\/fedicentral worker$/),
        ...HARDENING,
      });
      for (const unit of [server, worker]) {
        expect(unit.after).toEqual(
          expect.arrayContaining(["postgresql.service", "fedicentral-migrate.service"]),
        );
        expect(unit.requires).toEqual(
          expect.arrayContaining(["postgresql.service", "fedicentral-migrate.service"]),
        );
        // systemd-notify, which sends READY=1 and WATCHDOG=1, is on the PATH.
        expect(unit.path).toContain("/nix/store/00000000000000000000000000000000-systemd");
      }
      expect(e.targets["fedicentral"]).toEqual({
        wantedBy: ["multi-user.target"],
        wants: [
          "fedicentral-migrate.service",
          "fedicentral.service",
          "fedicentral-worker@1.service",
          "fedicentral-worker@2.service",
        ],
      });
      expect(e.postgresql).toEqual({
        enable: true,
        ensureDatabases: ["fedicentral"],
        ensureUsers: [{ name: "fedicentral", ensureDBOwnership: true }],
      });
      expect(e.firewall).toEqual([4100]);
    },
  );

  itWithLib(
    "turns settings into the environment, production mode and the explicit migrate step included",
    () => {
      const e = evaluated(FULL);
      const server = e.services["fedicentral"]!.environment;
      expect(server).toMatchObject({
        NODE_ENV: "production",
        MIGRATE_ON_START: "false",
        PUBLIC_URL: "https://fedicentral.example.org",
        PORT: "4100",
        HOST: "127.0.0.1",
        LOG_LEVEL: "debug",
        METRICS_ENABLED: "true",
        RUN_TIMEOUT_MS: "600000",
        NIXOPS4_SECRET_ENV: "DESEC_TOKEN",
        DATA_DIR: "/var/lib/fedicentral",
        // Peer authentication over the socket: no password anywhere.
        DATABASE_URL: "postgresql://fedicentral@localhost/fedicentral?host=/run/postgresql",
        // Workers run nixops4, so the server does not.
        RUN_CONCURRENCY: "0",
      });
      expect(e.services["fedicentral-worker@"]!.environment).toMatchObject({
        NIXOPS4_BIN: "/nix/store/11111111111111111111111111111111-nixops4/bin/nixops4",
        NIX_PATH: "nixpkgs=/etc/nixpkgs",
        NIXOPS4_PASS_ENV: "NIX_PATH",
      });
      expect(e.services["fedicentral-worker@"]!.environment).not.toHaveProperty("RUN_CONCURRENCY");
    },
  );

  itWithLib(
    "hands secrets over as credentials read through _FILE, never in the environment or the store",
    () => {
      const e = evaluated(`{
      services.fedicentral = {
        enable = true;
        publicUrl = "https://fedicentral.example.org";
        database.createLocally = false;
        secrets = { ${KEYS} DATABASE_URL = "/run/keys/fedicentral-db"; METRICS_TOKEN = "/run/keys/metrics"; };
      };
    }`);
      expect(e.failedAssertions).toEqual([]);
      const server = e.services["fedicentral"]!;
      expect(server.serviceConfig.LoadCredential).toEqual(
        expect.arrayContaining([
          "DATABASE_URL:/run/keys/fedicentral-db",
          "METRICS_TOKEN:/run/keys/metrics",
          "AUTH_ENCRYPTION_KEY:/run/keys/fedicentral-auth",
          "ACCOUNTING_SIGNING_KEY_SECRET:/run/keys/fedicentral-accounting",
        ]),
      );
      expect(server.environment).toMatchObject({
        DATABASE_URL_FILE: "%d/DATABASE_URL",
        METRICS_TOKEN_FILE: "%d/METRICS_TOKEN",
        AUTH_ENCRYPTION_KEY_FILE: "%d/AUTH_ENCRYPTION_KEY",
        ACCOUNTING_SIGNING_KEY_SECRET_FILE: "%d/ACCOUNTING_SIGNING_KEY_SECRET",
      });
      // The migrate step gets the database and nothing else.
      expect(e.services["fedicentral-migrate"]!.serviceConfig.LoadCredential).toEqual([
        "DATABASE_URL:/run/keys/fedicentral-db",
      ]);
      expect(server.after).not.toContain("postgresql.service");
      for (const [name, unit] of Object.entries(e.services)) {
        for (const secret of [
          "DATABASE_URL",
          "METRICS_TOKEN",
          "AUTH_ENCRYPTION_KEY",
          "ACCOUNTING_SIGNING_KEY_SECRET",
        ])
          expect({ name, secret, present: secret in unit.environment }).toEqual({
            name,
            secret,
            present: false,
          });
        expect(JSON.stringify(unit.environment)).not.toMatch(/\/run\/keys/);
        expect(unit.serviceConfig).not.toHaveProperty("Environment");
      }
    },
  );

  itWithLib(
    "refuses a secret in the store, an unknown secret, missing keys and a database with no way to reach it",
    () => {
      const e = evaluated(`{
      services.fedicentral = {
        enable = true;
        publicUrl = "https://fedicentral.example.org";
        database.createLocally = false;
        secrets = { AUTH_ENCRYPTION_KEY = "/nix/store/00000000000000000000000000000000-key"; LOG_LEVEL = "/run/keys/x"; };
      };
    }`);
      expect(e.failedAssertions).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/database.createLocally or secrets.DATABASE_URL/),
          expect.stringMatching(
            /secrets.AUTH_ENCRYPTION_KEY and secrets.ACCOUNTING_SIGNING_KEY_SECRET are required/,
          ),
          expect.stringMatching(/secrets.AUTH_ENCRYPTION_KEY: give an absolute path outside the Nix store/),
          expect.stringMatching(/secrets.LOG_LEVEL: not a secret fedicentral reads/),
        ]),
      );
    },
  );

  itWithLib("types every setting: a wrong value fails evaluation, naming the option", () => {
    const { value, error } = evaluate(`{
      services.fedicentral = {
        enable = true;
        publicUrl = "https://fedicentral.example.org";
        secrets = { ${KEYS} };
        settings.LOG_LEVEL = "loud";
      };
    }`);
    expect(value).toBeUndefined();
    expect(error).toMatch(/services\.fedicentral\.settings\.LOG_LEVEL/);
  });

  itWithLib(
    "has a setting, an option or a secret for every variable of the README's configuration tables",
    () => {
      const readme = readFileSync("README.md", "utf8");
      const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]!));
      const { settingNames } = evaluated(
        `{ services.fedicentral = { enable = true; publicUrl = "https://x.example"; secrets = { ${KEYS} }; }; }`,
      );
      // Set by the module itself from its options, or not used in production.
      const owned = [
        "PORT",
        "HOST",
        "PUBLIC_URL",
        "DATA_DIR",
        "EMBEDDED_PG_PORT",
        "NODE_ENV",
        "MIGRATE_ON_START",
      ];
      // The service's own list of secrets: a secret added there must be one the module can hand over.
      const secrets: readonly string[] = SECRET_VARIABLES;
      const covered = new Set([...settingNames, ...owned, ...secrets, ...secrets.map((s) => `${s}_FILE`)]);
      expect([...documented].filter((v) => !covered.has(v))).toEqual([]);
      expect(documented.size).toBeGreaterThan(50);
    },
  );
});
