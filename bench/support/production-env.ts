/**
 * Imported first by bench/graphql-read.ts, before any library: graphql-js, Express and Apollo Server read
 * NODE_ENV once, when they load. fedicentral runs in the bench's own process, and as deployed (the Nix
 * package and the NixOS module) that is NODE_ENV=production: graphql-js then skips its development checks.
 * An explicit NODE_ENV is kept.
 */
process.env.NODE_ENV ??= "production";
