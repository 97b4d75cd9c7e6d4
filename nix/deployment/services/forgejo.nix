# Forgejo: the options of nixpkgs' services.forgejo (nixos/modules/services/misc/forgejo.nix) this project
# sets, declared with the real names and types. A plain service: no blob storage.
{ lib }:
let
  inherit (lib) mkOption mkEnableOption types;
  # The real type is pkgs.formats.ini's: sections of scalar keys.
  ini = types.attrsOf (
    types.attrsOf (
      types.oneOf [
        types.bool
        types.int
        types.str
      ]
    )
  );
in
{
  dataDir = "/var/lib/forgejo";
  usesBlob = false;
  secrets = [ "smtp-password" ];
  optionsSchema = {
    type = "object";
    additionalProperties = false;
    properties.disableRegistration.type = "boolean";
  };
  module = {
    options.services.forgejo = {
      enable = mkEnableOption "Forgejo";
      stateDir = mkOption {
        type = types.str;
        default = "/var/lib/forgejo";
      };
      settings = mkOption {
        type = ini;
        default = { };
      };
      mailerPasswordFile = mkOption {
        type = types.nullOr types.str;
        default = null;
      };
    };
  };
  configure = s: {
    services.forgejo = {
      inherit (s) enable;
      mailerPasswordFile = s.secret "smtp-password";
      settings = {
        server = {
          DOMAIN = s.domain;
          ROOT_URL = "https://${s.domain}/";
        };
        mailer = {
          ENABLED = true;
          PROTOCOL = "smtp+starttls";
          SMTP_ADDR = s.mail.host;
          SMTP_PORT = s.mail.port;
          FROM = s.mail.sender;
          USER = s.mail.sender;
        };
      }
      // lib.optionalAttrs (s.options ? disableRegistration) {
        service.DISABLE_REGISTRATION = s.options.disableRegistration;
      };
    };
  };
}
