// Jest runs TypeScript through ts-jest in ESM mode (oidc-provider, jose and openid-client are ESM-only).
/** @type {import('jest').Config} */
const tsJest = ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }];

const project = (displayName, testMatch, extra = {}) => ({
  displayName,
  testMatch,
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": tsJest },
  setupFiles: ["<rootDir>/test/setup/reflect.ts"],
  ...extra,
});

export default {
  testTimeout: 60_000,
  // On 2 cores jest runs the files in band, in its own process (maxWorkers is 1); a fake nixops4 still
  // being reaped after its test can keep that process alive, and once did past the end of the run
  // (2026-11-27). CI must end when the tests have.
  forceExit: true,
  projects: [
    project("unit", ["<rootDir>/test/unit/**/*.test.ts"]),
    project("integration", ["<rootDir>/test/integration/**/*.test.ts"], {
      globalSetup: "<rootDir>/test/setup/global-setup.ts",
      globalTeardown: "<rootDir>/test/setup/global-teardown.ts",
    }),
    project("e2e", ["<rootDir>/test/e2e/**/*.test.ts"], {
      globalSetup: "<rootDir>/test/setup/global-setup.ts",
      globalTeardown: "<rootDir>/test/setup/global-teardown.ts",
    }),
  ],
};
