# Stand-ins for the NixOS options nix/module.nix sets, typed like the real ones, so the module can be
# evaluated with nixpkgs' module library alone (no nixpkgs package set on the test machines).
{ lib, ... }:
let
  inherit (lib) types mkOption;
  strs = mkOption {
    type = types.listOf types.str;
    default = [ ];
  };
  unit = {
    options = {
      description = mkOption {
        type = types.str;
        default = "";
      };
      wantedBy = strs;
      requiredBy = strs;
      wants = strs;
      requires = strs;
      after = strs;
      before = strs;
      partOf = strs;
      bindsTo = strs;
    };
  };
  service = {
    imports = [ unit ];
    options = {
      path = mkOption {
        type = types.listOf (types.either types.package types.str);
        default = [ ];
      };
      environment = mkOption {
        type = types.attrsOf (types.nullOr (types.oneOf [ types.str types.path types.package ]));
        default = { };
      };
      serviceConfig = mkOption {
        type = types.attrsOf types.anything;
        default = { };
      };
      script = mkOption {
        type = types.lines;
        default = "";
      };
    };
  };
in
{
  options = {
    assertions = mkOption {
      type = types.listOf types.unspecified;
      default = [ ];
    };
    warnings = strs;
    environment.systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
    };
    networking.firewall.allowedTCPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
    };
    systemd.package = mkOption { type = types.package; };
    systemd.services = mkOption {
      type = types.attrsOf (types.submodule service);
      default = { };
    };
    systemd.targets = mkOption {
      type = types.attrsOf (types.submodule unit);
      default = { };
    };
    services.postgresql = {
      enable = mkOption {
        type = types.bool;
        default = false;
      };
      ensureDatabases = strs;
      ensureUsers = mkOption {
        type = types.listOf (
          types.submodule {
            options = {
              name = mkOption { type = types.str; };
              ensureDBOwnership = mkOption {
                type = types.bool;
                default = false;
              };
            };
          }
        );
        default = [ ];
      };
    };
  };
}
