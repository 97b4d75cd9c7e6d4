# Mastodon: the options of nixpkgs' services.mastodon (nixos/modules/services/web-apps/mastodon.nix) this
# project sets, declared with the real names and types, and the one systemd unit it adds.
{ lib }:
let
  inherit (lib) mkOption mkEnableOption types;
  nullOr = t: mkOption {
    type = types.nullOr t;
    default = null;
  };
  # tootctl's words for the catalog's registration modes.
  registrationModes = {
    open = "open";
    approval = "approved";
    closed = "close";
  };
in
{
  dataDir = "/var/lib/mastodon";
  secrets = [
    "smtp-password"
    "s3-env"
  ];
  optionsSchema = {
    type = "object";
    additionalProperties = false;
    properties = {
      registrations.enum = lib.attrNames registrationModes;
      singleUserMode.type = "boolean";
      maxTootChars = {
        type = "integer";
        minimum = 1;
      };
    };
  };
  module = {
    options.services.mastodon = {
      enable = mkEnableOption "Mastodon, a federated social network server";
      localDomain = mkOption { type = types.str; };
      streamingProcesses = mkOption { type = types.ints.positive; };
      configureNginx = mkOption {
        type = types.bool;
        default = false;
      };
      smtp = {
        createLocally = mkOption {
          type = types.bool;
          default = true;
        };
        authenticate = mkOption {
          type = types.bool;
          default = false;
        };
        host = mkOption {
          type = types.str;
          default = "127.0.0.1";
        };
        port = mkOption {
          type = types.port;
          default = 25;
        };
        fromAddress = mkOption { type = types.str; };
        user = nullOr types.str;
        passwordFile = nullOr types.path;
      };
      extraConfig = mkOption {
        type = types.attrs;
        default = { };
      };
      extraEnvFiles = mkOption {
        type = types.listOf types.path;
        default = [ ];
      };
    };
  };
  configure = s: {
    services.mastodon = {
      inherit (s) enable;
      localDomain = s.domain;
      # Upstream's advice: one streaming process per core but one.
      streamingProcesses = lib.max 1 (s.vcpus - 1);
      configureNginx = true;
      smtp = {
        createLocally = false;
        authenticate = true;
        inherit (s.mail) host port;
        fromAddress = s.mail.sender;
        user = s.mail.sender;
        passwordFile = s.secret "smtp-password";
      };
      extraConfig =
        lib.optionalAttrs (s.options.singleUserMode or false) { SINGLE_USER_MODE = "true"; }
        // lib.optionalAttrs (s.options ? maxTootChars) { MAX_TOOT_CHARS = toString s.options.maxTootChars; }
        // lib.optionalAttrs (s.blob != null) (
          {
            S3_ENABLED = "true";
            S3_BUCKET = s.blob.bucket;
            S3_REGION = s.blob.region;
          }
          // lib.optionalAttrs (s.blob.endpoint != null) { S3_ENDPOINT = s.blob.endpoint; }
        );
      extraEnvFiles = lib.optional (s.blob != null) (s.secret "s3-env");
    };
    # The registration mode is an admin setting in Mastodon's database, not a variable: tootctl sets it.
    systemd.services.mastodon-registrations = lib.mkIf (s.enable && s.options ? registrations) {
      after = [ "mastodon-web.service" ];
      requires = [ "mastodon-web.service" ];
      wantedBy = [ "multi-user.target" ];
      serviceConfig.Type = "oneshot";
      path = [ "/run/current-system/sw" ];
      script = "mastodon-tootctl settings registrations ${registrationModes.${s.options.registrations}}";
    };
  };
}
