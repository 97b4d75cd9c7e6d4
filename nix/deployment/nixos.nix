# The NixOS options outside the service modules that a fragment sets, declared with the real names and
# types (nixos/modules/tasks/filesystems.nix, networking, systemd), so lib.evalModules checks them.
{ lib }:
let
  inherit (lib) mkOption types;
  strs = mkOption {
    type = types.listOf types.str;
    default = [ ];
  };
in
{
  options = {
    networking.hostName = mkOption {
      type = types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
    };
    fileSystems = mkOption {
      type = types.attrsOf (
        types.submodule {
          options = {
            device = mkOption { type = types.nullOr types.str; };
            fsType = mkOption {
              type = types.str;
              default = "auto";
            };
            autoFormat = mkOption {
              type = types.bool;
              default = false;
            };
          };
        }
      );
      default = { };
    };
    systemd.services = mkOption {
      type = types.attrsOf (
        types.submodule {
          options = {
            after = strs;
            requires = strs;
            wantedBy = strs;
            path = mkOption {
              type = types.listOf (types.either types.package types.str);
              default = [ ];
            };
            script = mkOption {
              type = types.lines;
              default = "";
            };
            serviceConfig = mkOption {
              type = types.attrsOf types.anything;
              default = { };
            };
          };
        }
      );
      default = { };
    };
  };
}
