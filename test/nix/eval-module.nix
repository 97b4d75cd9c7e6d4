# Evaluates nix/module.nix with the stand-ins and a configuration; prints what the test asserts on.
{
  nixpkgsLib,
  configuration,
}:
let
  lib = import (nixpkgsLib + "/lib");
  drv = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
    meta.mainProgram = name;
  };
  pkgs = {
    fedicentral = drv "fedicentral";
    runtimeShell = "/nix/store/00000000000000000000000000000000-bash/bin/bash";
    writeShellScriptBin = name: text: drv name // { inherit text; };
  };
  eval = lib.evalModules {
    modules = [
      ./nixos-stand-ins.nix
      ../../nix/module.nix
      { systemd.package = drv "systemd"; }
      configuration
    ];
    specialArgs = { inherit pkgs; };
  };
  inherit (eval) config options;
  ours = lib.filterAttrs (name: _: lib.hasPrefix "fedicentral" name);
  unitOf = s: {
    inherit (s)
      after
      requires
      wantedBy
      partOf
      environment
      serviceConfig
      ;
    path = map toString s.path;
  };
in
{
  failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);
  services = lib.mapAttrs (_: unitOf) (ours config.systemd.services);
  targets = lib.mapAttrs (_: t: { inherit (t) wants wantedBy; }) (ours config.systemd.targets);
  postgresql = config.services.postgresql;
  firewall = config.networking.firewall.allowedTCPPorts;
  manage = map (p: p.text) config.environment.systemPackages;
  settingNames = lib.attrNames (options.services.fedicentral.settings.type.getSubOptions [ ]);
}
