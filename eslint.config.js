import js from "@eslint/js";
import tseslint from "typescript-eslint";

const GRAPHQL = {
  group: ["**/graphql/*", "./graphql/*"],
  message:
    "Only the composition root (src/server.ts, main.ts, config.ts, src/cli) uses src/graphql; build on src/api.",
};
const COMPOSITION = {
  group: ["**/modules.js", "./modules.js"],
  message: "The module list is for the composition root (server, main, cli, src/graphql) alone.",
};
const ANY_OF_THE_PROJECT = { group: ["../*"], message: "src/common imports nothing of the project." };
const layer = (files, patterns) => ({
  files,
  rules: { "no-restricted-imports": patterns.length ? ["error", { patterns }] : "off" },
});

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".data/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    // Type-aware: a promise nobody awaits or catches loses its error (and, in a handler, its rejection).
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
  {
    // A feature module adds its loaders to the request context's by extending its interface (declaration merging).
    files: ["src/**/*.module.ts"],
    rules: {
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
    },
  },
  // Layers: dependencies point down. Each block names what its files may not import (a file gets the
  // rule of the last block matching it).
  layer(["src/**/*.ts"], [GRAPHQL, COMPOSITION]),
  layer(
    ["src/graphql/**", "src/server.ts", "src/serve.ts", "src/main.ts", "src/config.ts", "src/cli/**"],
    [],
  ),
  layer(["src/modules.ts"], [GRAPHQL]),
  layer(["src/common/**"], [ANY_OF_THE_PROJECT]),
  {
    files: ["test/**", "bench/**", "src/cli/**", "seeds/**"],
    rules: { "no-console": "off" },
  },
  {
    // Tests read GraphQL responses whose shape the query itself states.
    files: ["test/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The fake nixops4 is a plain Node script without an extension, as the real command has none.
    files: ["test/fakes/nixops4/nixops4"],
    languageOptions: { sourceType: "module" },
  },
);
