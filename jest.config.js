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
