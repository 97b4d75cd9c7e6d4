# PeerTube: the options of nixpkgs' services.peertube (nixos/modules/services/web-apps/peertube.nix) this
# project sets, declared with the real names and types.
{ lib }:
let
  inherit (lib) mkOption mkEnableOption types;
  resolutions = [
    "240p"
    "480p"
    "720p"
    "1080p"
  ];
in
{
  dataDir = "/var/lib/peertube";
  secrets = [
    "secrets"
    "smtp-password"
    "s3-env"
  ];
  optionsSchema = {
    type = "object";
    additionalProperties = false;
    properties = {
      transcoding.type = "boolean";
      resolutions = {
        type = "array";
        items.enum = resolutions;
      };
    };
  };
  module = {
    options.services.peertube = {
      enable = mkEnableOption "PeerTube";
      localDomain = mkOption { type = types.str; };
      enableWebHttps = mkOption {
        type = types.bool;
        default = false;
      };
      configureNginx = mkOption {
        type = types.bool;
        default = false;
      };
      # The real type is pkgs.formats.json's: any JSON value.
      settings = mkOption {
        type = types.attrsOf types.anything;
        default = { };
      };
      secrets.secretsFile = mkOption {
        type = types.nullOr types.path;
        default = null;
      };
      smtp = {
        createLocally = mkOption {
          type = types.bool;
          default = false;
        };
        passwordFile = mkOption {
          type = types.nullOr types.path;
          default = null;
        };
      };
      serviceEnvironmentFile = mkOption {
        type = types.nullOr types.path;
        default = null;
      };
    };
  };
  configure = s: {
    services.peertube = {
      inherit (s) enable;
      localDomain = s.domain;
      enableWebHttps = true;
      configureNginx = true;
      secrets.secretsFile = s.secret "secrets";
      smtp.passwordFile = s.secret "smtp-password";
      serviceEnvironmentFile = if s.blob != null then s.secret "s3-env" else null;
      settings = {
        smtp = {
          hostname = s.mail.host;
          inherit (s.mail) port;
          username = s.mail.sender;
          from_address = s.mail.sender;
        };
      }
      // lib.optionalAttrs (s.options ? transcoding || s.options ? resolutions) {
        transcoding =
          lib.optionalAttrs (s.options ? transcoding) { enabled = s.options.transcoding; }
          // lib.optionalAttrs (s.options ? resolutions) {
            resolutions = lib.genAttrs resolutions (r: lib.elem r s.options.resolutions);
          };
      }
      // lib.optionalAttrs (s.blob != null) {
        object_storage = {
          enabled = true;
          inherit (s.blob) endpoint region;
          web_videos.bucket_name = s.blob.bucket;
          streaming_playlists.bucket_name = s.blob.bucket;
        };
      };
    };
  };
}
