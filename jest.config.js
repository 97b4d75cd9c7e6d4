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
  // Once (2026-11-27) jest stayed alive for minutes after every test had passed; the cause was not found,
  // and each project exits on its own without this. CI must end when the tests have. (Jest prints its
  // "Force exiting" hint whenever this is on, whether or not anything was left open.)
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
