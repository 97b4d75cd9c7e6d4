# services.fedicentral: the API server, its workers and the migrate step as systemd units.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    types
    mkOption
    mkIf
    optional
    optionals
    optionalAttrs
    ;
  cfg = config.services.fedicentral;

  # Secrets: never a setting; handed over as files (LoadCredential) and read through their _FILE forms.
  fixedSecrets = [
    "DATABASE_URL"
    "METRICS_TOKEN"
    "AUTH_ENCRYPTION_KEY"
    "ACCOUNTING_SIGNING_KEY_SECRET"
    "NETBOX_SECRET_KEY"
    "ACCOUNTING_WITNESS_TOKEN"
  ];
  allowedSecrets = fixedSecrets ++ (if cfg.settings.NIXOPS4_SECRET_ENV == null then [ ] else cfg.settings.NIXOPS4_SECRET_ENV);

  # Every other variable of the README's configuration tables, with its type; null leaves fedicentral's default.
  settingTypes = with types; {
    DB_POOL_SIZE = ints.between 1 200;
    SEED_DEMO = bool;
    LOG_LEVEL = enum [ "fatal" "error" "warn" "info" "debug" "trace" "silent" ];
    GRAPHQL_MAX_DEPTH = ints.positive;
    GRAPHQL_MAX_NODES = ints.positive;
    GRAPHQL_MAX_COST = ints.positive;
    GRAPHQL_MAX_DOCUMENT_BYTES = ints.positive;
    GRAPHQL_MAX_TOKENS = ints.positive;
    GRAPHQL_MAX_ALIASES = ints.unsigned;
    GRAPHQL_MAX_DIRECTIVES = ints.unsigned;
    GRAPHQL_INTROSPECTION = bool;
    GRAPHQL_SQL_COUNT_HEADER = bool;
    GRAPHQL_SQL_READS = bool;
    GRAPHQL_EXPLORER = enum [
      "on"
      "off"
    ];
    SHUTDOWN_GRACE_MS = ints.unsigned;
    HTTP_ACCESS_LOG = bool;
    METRICS_ENABLED = bool;
    METRICS_PORT = port;
    HTTP_HEADERS_TIMEOUT_MS = ints.positive;
    HTTP_REQUEST_TIMEOUT_MS = ints.positive;
    HTTP_KEEP_ALIVE_TIMEOUT_MS = ints.positive;
    HTTP_MAX_CONNECTIONS = ints.positive;
    RATE_LIMIT_WINDOW_SECONDS = ints.positive;
    RATE_LIMIT_GRAPHQL = ints.unsigned;
    RATE_LIMIT_TOKEN_IP = ints.unsigned;
    RATE_LIMIT_TOKEN_CLIENT_FAILURES = ints.unsigned;
    RATE_LIMIT_WEBHOOK_IP = ints.unsigned;
    NIXOPS4_BIN = str;
    NIXOPS4_PASS_ENV = listOf str;
    NIXOPS4_SECRET_ENV = listOf str;
    DEPLOYMENTS_DIR = str;
    RUN_CONCURRENCY = ints.between 0 64;
    RUN_TIMEOUT_MS = ints.positive;
    RUN_KILL_GRACE_MS = ints.positive;
    RUN_LOST_AFTER_MS = ints.positive;
    RUN_HEARTBEAT_MS = ints.positive;
    RUN_POLL_MS = ints.positive;
    RUN_LOG_CAP_BYTES = ints.positive;
    RUN_LOG_TAIL_BYTES = ints.unsigned;
    RUN_DIR_RETENTION_MS = ints.unsigned;
    NETBOX_SYNC_WORKER = bool;
    NETBOX_POLL_MS = ints.positive;
    NETBOX_SYNC_CONCURRENCY = ints.between 1 16;
    NETBOX_TIMEOUT_MS = ints.positive;
    NETBOX_RETRIES = ints.between 0 20;
    NETBOX_BACKOFF_MS = ints.positive;
    NETBOX_CHANGELOG_OVERLAP_SECONDS = ints.unsigned;
    NETBOX_REFETCH_CONCURRENCY = ints.between 1 64;
    AUTH_ACCESS_TOKEN_TTL = ints.between 30 3600;
    AUTH_REFRESH_TOKEN_TTL = ints.positive;
    AUTH_SESSION_TTL = ints.positive;
    AUTH_LOGIN_BACKOFF_AFTER = ints.positive;
    AUTH_LOGIN_LOCK_AFTER = ints.positive;
    AUTH_LOGIN_LOCK_SECONDS = ints.positive;
    AUTH_PURGE_INTERVAL_SECONDS = ints.positive;
    AUTHZ_ENFORCER_CACHE_SIZE = ints.positive;
    ACCOUNTING_CHECKPOINT_INTERVAL_MS = ints.positive;
    ACCOUNTING_SEAL_INTERVAL_MS = ints.positive;
    ACCOUNTING_OBSERVER = str;
    ACCOUNTING_FAILURE_WINDOW_SECONDS = ints.between 1 86400;
    ACCOUNTING_FAILURE_SOURCES = ints.positive;
    ACCOUNTING_WITNESS_FILE = str;
    ACCOUNTING_WITNESS_URL = str;
  };

  render =
    v:
    if builtins.isBool v then
      (if v then "true" else "false")
    else if builtins.isList v then
      lib.concatStringsSep "," v
    else
      toString v;

  stateDir = "/var/lib/fedicentral";
  localDatabaseUrl = "postgresql://fedicentral@localhost/fedicentral?host=/run/postgresql";

  settingsEnv = lib.mapAttrs (_: render) (lib.filterAttrs (_: v: v != null) cfg.settings);
  nixops4Env =
    cfg.nixops4.environment
    // optionalAttrs (cfg.nixops4.package != null) { NIXOPS4_BIN = lib.getExe cfg.nixops4.package; };
  passEnv = lib.unique (
    lib.attrNames cfg.nixops4.environment
    ++ (if cfg.settings.NIXOPS4_PASS_ENV == null then [ ] else cfg.settings.NIXOPS4_PASS_ENV)
  );

  commonEnv = {
    NODE_ENV = "production";
    MIGRATE_ON_START = "false";
    LOG_LEVEL = "info";
    DATA_DIR = stateDir;
    DEPLOYMENTS_DIR = "${stateDir}/deployments";
    PUBLIC_URL = cfg.publicUrl;
    PORT = toString cfg.port;
    HOST = cfg.host;
  }
  // optionalAttrs cfg.database.createLocally { DATABASE_URL = localDatabaseUrl; }
  // settingsEnv;

  # systemd copies each file into the unit's credentials directory (%d), readable by the unit alone.
  credentialsFor = names: {
    LoadCredential = map (n: "${n}:${cfg.secrets.${n}}") (lib.filter (n: cfg.secrets ? ${n}) names);
  };
  fileVariables = names: lib.listToAttrs (map (n: lib.nameValuePair "${n}_FILE" "%d/${n}") (lib.filter (n: cfg.secrets ? ${n}) names));

  databaseUnits = optional cfg.database.createLocally "postgresql.service";

  hardening = {
    DynamicUser = true;
    User = "fedicentral";
    Group = "fedicentral";
    StateDirectory = "fedicentral";
    StateDirectoryMode = "0700";
    WorkingDirectory = stateDir;
    UMask = "0077";
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    NoNewPrivileges = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    CapabilityBoundingSet = "";
    RestrictAddressFamilies = [
      "AF_UNIX"
      "AF_INET"
      "AF_INET6"
    ];
    SystemCallArchitectures = "native";
    SystemCallFilter = [ "@system-service" ];
    # V8 writes and then runs its compiled code: MemoryDenyWriteExecute would stop it.
    MemoryDenyWriteExecute = false;
  };

  # A long-running process that tells systemd when it is ready and keeps pinging its watchdog.
  notifyService = {
    Type = "notify";
    # READY=1 and WATCHDOG=1 are sent by systemd-notify, a child of the process.
    NotifyAccess = "all";
    WatchdogSec = "60s";
    Restart = "on-failure";
    RestartSec = "5s";
    TimeoutStopSec = "30s";
  };
in
{
  options.services.fedicentral = {
    enable = lib.mkEnableOption "fedicentral, the central data model and AAA service";

    package = mkOption {
      type = types.package;
      default = pkgs.fedicentral;
      defaultText = lib.literalExpression "pkgs.fedicentral";
      description = "The fedicentral package (the flake's packages.default).";
    };

    publicUrl = mkOption {
      type = types.strMatching "https?://[^/]+(/.*)?";
      example = "https://fedicentral.example.org";
      description = "The URL clients use (PUBLIC_URL); behind a TLS proxy the https:// one.";
    };

    host = mkOption {
      type = types.str;
      default = "127.0.0.1";
      description = "Address the server binds (HOST); keep the loopback one behind a proxy on the same host.";
    };

    port = mkOption {
      type = types.port;
      default = 4000;
      description = "HTTP port (PORT).";
    };

    settings = mkOption {
      default = { };
      description = "The other variables of fedicentral's configuration table, typed; null keeps its default.";
      type = types.submodule {
        options = lib.mapAttrs (
          name: type:
          mkOption {
            type = types.nullOr type;
            default = null;
            description = "`${name}`, see fedicentral's README (null: its default).";
          }
        ) settingTypes;
      };
    };

    secrets = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = {
        AUTH_ENCRYPTION_KEY = "/run/keys/fedicentral-auth-encryption-key";
        ACCOUNTING_SIGNING_KEY_SECRET = "/run/keys/fedicentral-accounting-signing-key";
      };
      description = ''
        Secret variable → absolute path of a file holding it, outside the Nix store (agenix, sops-nix,
        /run/keys). Handed over with systemd's LoadCredential and read through the variable's _FILE form:
        never in the store, never in the environment. Allowed: ${lib.concatStringsSep ", " fixedSecrets}
        and the names in settings.NIXOPS4_SECRET_ENV.
      '';
    };

    database.createLocally = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Create the database and its role in this host's PostgreSQL (services.postgresql) and connect over
        /run/postgresql with peer authentication. Otherwise give secrets.DATABASE_URL.
      '';
    };

    workers = mkOption {
      type = types.ints.unsigned;
      default = 1;
      description = ''
        How many `fedicentral worker` units (fedicentral-worker@1 …) run nixops4 runs, NetBox syncs and
        the accounting sealer. With any, the server runs no nixops4 itself unless settings.RUN_CONCURRENCY says so.
      '';
    };

    nixops4 = {
      package = mkOption {
        type = types.nullOr types.package;
        default = null;
        description = "The nixops4 package whose executable runs deployments (NIXOPS4_BIN).";
      };
      environment = mkOption {
        type = types.attrsOf types.str;
        default = { };
        description = "Variables handed to nixops4 (not secrets: those go in `secrets` and settings.NIXOPS4_SECRET_ENV).";
      };
      path = mkOption {
        type = types.listOf types.package;
        default = [ ];
        description = "Packages on the PATH of the units running nixops4 (nix, git, ...).";
      };
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open `port` in the firewall (not needed behind a proxy on the same host).";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.database.createLocally || cfg.secrets ? DATABASE_URL;
        message = "services.fedicentral: set database.createLocally or secrets.DATABASE_URL";
      }
      {
        assertion = cfg.secrets ? AUTH_ENCRYPTION_KEY && cfg.secrets ? ACCOUNTING_SIGNING_KEY_SECRET;
        message = "services.fedicentral: secrets.AUTH_ENCRYPTION_KEY and secrets.ACCOUNTING_SIGNING_KEY_SECRET are required (production refuses to start without them)";
      }
    ]
    ++ lib.mapAttrsToList (name: file: {
      assertion = lib.hasPrefix "/" file && !lib.hasPrefix builtins.storeDir file;
      message = "services.fedicentral.secrets.${name}: give an absolute path outside the Nix store (anything in the store is readable by every user)";
    }) cfg.secrets
    ++ map (name: {
      assertion = lib.elem name allowedSecrets;
      message = "services.fedicentral.secrets.${name}: not a secret fedicentral reads (${lib.concatStringsSep ", " allowedSecrets})";
    }) (lib.attrNames cfg.secrets);

    services.postgresql = mkIf cfg.database.createLocally {
      enable = true;
      ensureDatabases = [ "fedicentral" ];
      ensureUsers = [
        {
          name = "fedicentral";
          ensureDBOwnership = true;
        }
      ];
    };

    networking.firewall.allowedTCPPorts = optional cfg.openFirewall cfg.port;

    systemd.targets.fedicentral = {
      description = "fedicentral: server, workers and migrations";
      wantedBy = [ "multi-user.target" ];
      wants = [
        "fedicentral-migrate.service"
        "fedicentral.service"
      ]
      ++ map (n: "fedicentral-worker@${toString n}.service") (lib.range 1 cfg.workers);
    };

    systemd.services.fedicentral-migrate = {
      description = "fedicentral: apply database migrations";
      after = databaseUnits;
      requires = databaseUnits;
      environment = commonEnv // fileVariables [ "DATABASE_URL" ];
      serviceConfig = hardening // credentialsFor [ "DATABASE_URL" ] // {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${lib.getExe cfg.package} db migrate";
      };
    };

    systemd.services.fedicentral = {
      description = "fedicentral API server";
      partOf = [ "fedicentral.target" ];
      wantedBy = [ "fedicentral.target" ];
      after = [ "network.target" "fedicentral-migrate.service" ] ++ databaseUnits;
      requires = [ "fedicentral-migrate.service" ] ++ databaseUnits;
      path = [ config.systemd.package ] ++ optionals (cfg.workers == 0) cfg.nixops4.path;
      environment =
        commonEnv
        // fileVariables allowedSecrets
        // optionalAttrs (cfg.workers == 0) (nixops4Env // optionalAttrs (passEnv != [ ]) { NIXOPS4_PASS_ENV = lib.concatStringsSep "," passEnv; })
        // optionalAttrs (cfg.workers > 0 && cfg.settings.RUN_CONCURRENCY == null) { RUN_CONCURRENCY = "0"; };
      serviceConfig = hardening // notifyService // credentialsFor allowedSecrets // {
        ExecStart = "${lib.getExe cfg.package} serve";
      };
    };

    systemd.services."fedicentral-worker@" = mkIf (cfg.workers > 0) {
      description = "fedicentral worker %i (nixops4 runs, NetBox syncs, accounting sealer)";
      partOf = [ "fedicentral.target" ];
      after = [ "network.target" "fedicentral-migrate.service" ] ++ databaseUnits;
      requires = [ "fedicentral-migrate.service" ] ++ databaseUnits;
      path = [ config.systemd.package ] ++ cfg.nixops4.path;
      environment =
        commonEnv
        // fileVariables allowedSecrets
        // nixops4Env
        // optionalAttrs (passEnv != [ ]) { NIXOPS4_PASS_ENV = lib.concatStringsSep "," passEnv; };
      serviceConfig = hardening // notifyService // credentialsFor allowedSecrets // {
        ExecStart = "${lib.getExe cfg.package} worker";
      };
    };

    # `fedicentral-manage <command>`: the CLI as the service's own user, with its database and keys.
    environment.systemPackages = [
      (pkgs.writeShellScriptBin "fedicentral-manage" ''
        exec ${config.systemd.package}/bin/systemd-run --quiet --wait --pipe --collect \
          --property=DynamicUser=yes --property=User=fedicentral --property=Group=fedicentral \
          --property=StateDirectory=fedicentral --working-directory=${stateDir} \
          ${lib.concatMapStringsSep " " (c: "--property=LoadCredential=${c}") (credentialsFor allowedSecrets).LoadCredential} \
          ${lib.concatStringsSep " " (lib.mapAttrsToList (k: v: "--setenv=${k}=${v}") commonEnv)} \
          ${pkgs.runtimeShell} -c 'for n in ${toString (lib.filter (n: cfg.secrets ? ${n}) allowedSecrets)}; do export "''${n}_FILE=$CREDENTIALS_DIRECTORY/$n"; done; exec ${lib.getExe cfg.package} "$@"' fedicentral-manage "$@"
      '')
    ];
  };
}
