# Pixelfed: the options of nixpkgs' services.pixelfed (nixos/modules/services/web-apps/pixelfed.nix)
# this project sets, declared with the real names and types.
{ lib }:
let
  inherit (lib) mkOption mkEnableOption types;
in
{
  dataDir = "/var/lib/pixelfed";
  # One env file: APP_KEY, and the S3 and SMTP credentials when blob storage and mail are used.
  secrets = [ "env" ];
  optionsSchema = {
    type = "object";
    additionalProperties = false;
    properties = {
      openRegistration.type = "boolean";
      maxPhotoSizeKb = {
        type = "integer";
        minimum = 1;
      };
    };
  };
  module = {
    options.services.pixelfed = {
      enable = mkEnableOption "a Pixelfed instance";
      domain = mkOption { type = types.str; };
      secretFile = mkOption { type = types.path; };
      settings = mkOption {
        type = types.attrsOf (
          types.oneOf [
            types.bool
            types.int
            types.str
          ]
        );
        default = { };
      };
      maxUploadSize = mkOption {
        type = types.str;
        default = "8M";
      };
      dataDir = mkOption {
        type = types.str;
        default = "/var/lib/pixelfed";
      };
    };
  };
  configure = s: {
    services.pixelfed = {
      inherit (s) enable domain;
      secretFile = s.secret "env";
      settings = lib.mkMerge [
        (lib.optionalAttrs (s.options ? openRegistration) { OPEN_REGISTRATION = s.options.openRegistration; })
        (lib.optionalAttrs (s.options ? maxPhotoSizeKb) { MAX_PHOTO_SIZE = s.options.maxPhotoSizeKb; })
        (lib.optionalAttrs (s.blob != null) (
          {
            PF_ENABLE_CLOUD = true;
            FILESYSTEM_CLOUD = "s3";
            AWS_BUCKET = s.blob.bucket;
            AWS_DEFAULT_REGION = s.blob.region;
            AWS_USE_PATH_STYLE_ENDPOINT = true;
          }
          // lib.optionalAttrs (s.blob.endpoint != null) { AWS_ENDPOINT = s.blob.endpoint; }
        ))
        {
          MAIL_MAILER = "smtp";
          MAIL_HOST = s.mail.host;
          MAIL_PORT = s.mail.port;
          MAIL_FROM_ADDRESS = s.mail.sender;
          MAIL_USERNAME = s.mail.sender;
        }
      ];
    }
    // lib.optionalAttrs (s.options ? maxPhotoSizeKb) { maxUploadSize = "${toString s.options.maxPhotoSizeKb}K"; };
  };
}
