# The Nix library for deployment.json: imported by a NixOps4 root expression with nixpkgs' lib, it turns
# the document fedicentral writes into one NixOS configuration fragment per service and the inputs of the
# resources NixOps4's resource providers create (README.md, "The Nix library for deployment.json").
{ lib }:
let
  document = import ./document.nix { inherit lib; };
  serviceTypes = lib.genAttrs [ "forgejo" "mastodon" "peertube" "pixelfed" ] (
    type: import (./services + "/${type}.nix") { inherit lib; }
  );
  nixosOptions = import ./nixos.nix { inherit lib; };

  # Secrets are handed over as paths the secrets provider fills in, never as values.
  secretPath = type: name: "/run/secrets/${type}/${name}";
  # The block volume as the virtual machine sees it: a virtio disk with this serial.
  dataDiskSerial = "fedicentral-data";

  firstOf = kind: key: list: lib.findFirst (x: x.${key} == kind) null list;
  # The kind of target each kind of volume goes to, and the storage resource that holds it.
  targetKindOf = {
    block = "zfs-pull";
    blob = "s3-replica";
  };
  smtpEndpoint = builtins.match "smtps?://([^:/]+)(:([0-9]+))?/?";
  relativeName =
    domain: zone: if domain == zone then "@" else lib.removeSuffix ".${zone}" domain;
  inZone = domain: zone: domain == zone || lib.hasSuffix ".${zone}" domain;

  # A backup volume needs the storage it lives on, and goes only to targets of its kind.
  backupErrors =
    at: s:
    lib.concatLists (
      lib.imap0 (
        j: v:
        let
          vat = "${at}.backup.volumes[${toString j}]";
        in
        lib.optional (
          s.storage.${v.kind} == null
        ) "${vat}: a ${v.kind} volume, but the service has no ${v.kind} storage"
        ++ lib.concatLists (
          lib.imap0 (
            k: t:
            lib.optional (
              t.kind != targetKindOf.${v.kind}
            ) "${vat}.targets[${toString k}].kind: a ${v.kind} volume goes to ${targetKindOf.${v.kind}} targets, got ${t.kind}"
          ) v.targets
        )
      ) s.backup.volumes
    );

  # A restore run's target must be one of the document's service's backup volumes.
  restoreErrors =
    doc:
    let
      r = doc.restore;
      svc = firstOf r.service "id" doc.services;
    in
    lib.optionals (doc ? restore) (
      if svc == null then
        [ "restore.service: no service ${builtins.toJSON r.service} in services" ]
      else
        lib.optional (lib.findFirst (
          v: v.kind == r.volume.kind && v.name == r.volume.name
        ) null svc.backup.volumes == null) "restore.volume: the ${svc.type} service has no ${r.volume.kind} volume ${builtins.toJSON r.volume.name}"
    );

  # What the JSON Schema leaves open and this library relies on.
  extraErrors =
    doc:
    let
      at = i: "services[${toString i}]";
      mail = firstOf "mail" "kind" doc.coreServices;
      needed = lib.unique (
        lib.concatMap (
          s:
          [
            "virtualisation"
            "configuration"
            "dns"
            "mail"
            "secrets"
          ]
          ++ lib.optional (s.storage.block != null) "block-storage"
          ++ lib.optional (s.storage.blob != null) "blob-storage"
        ) doc.services
      );
      perService = lib.concatLists (
        lib.imap0 (
          i: s:
          (
            if !(serviceTypes ? ${s.type}) then
              [
                "${at i}.type: no NixOS module for service type ${builtins.toJSON s.type} (this library has ${lib.concatStringsSep ", " (lib.attrNames serviceTypes)})"
              ]
            else
              let
                schema = serviceTypes.${s.type}.optionsSchema;
              in
              document.check schema schema "${at i}.options" s.options
              ++ lib.optional (
                s.storage.blob != null && !(serviceTypes.${s.type}.usesBlob or true)
              ) "${at i}.storage.blob: ${s.type} keeps no data in blob storage"
          )
          ++ lib.optional (
            !inZone s.domain doc.operator.dnsZone
          ) "${at i}.domain: ${s.domain} is not inside the operator's zone ${doc.operator.dnsZone}"
          ++ backupErrors (at i) s
        ) doc.services
      );
      duplicates = lib.filter (t: lib.count (s: s.type == t) doc.services > 1) (
        lib.unique (map (s: s.type) doc.services)
      );
    in
    perService
    ++ restoreErrors doc
    ++ map (t: "services: more than one service of type ${t}") duplicates
    ++ map (
      c: "resourceProviders: none of component type ${builtins.toJSON c}, which the services need"
    ) (lib.filter (c: firstOf c "componentType" doc.resourceProviders == null) needed)
    ++ lib.optionals (doc.services != [ ]) (
      if mail == null then
        [ "coreServices: no mail service for the services to register with" ]
      else
        lib.optional (
          smtpEndpoint mail.endpoint == null
        ) "coreServices: the mail service's endpoint must be smtp://host[:port], got ${builtins.toJSON mail.endpoint}"
    );

  build =
    doc:
    let
      provider = kind: firstOf kind "componentType" doc.resourceProviders;
      mailService = firstOf "mail" "kind" doc.coreServices;
      relay = smtpEndpoint mailService.endpoint;
      resource = componentType: inputs: {
        inherit componentType inputs;
        inherit (provider componentType) implementation;
      };

      # The backup of a service's volumes of one kind, as its storage resource's input: when snapshots are
      # taken, which are kept, and where they are copied (credentials as secret names only). Null: none.
      backupOf =
        svc: kind:
        let
          volumes = lib.filter (v: v.kind == kind) svc.backup.volumes;
        in
        if svc.backup.policy == null || volumes == [ ] then
          null
        else
          {
            inherit (svc.backup.policy) schedule keep;
            volumes = map (v: {
              inherit (v) name host;
              targets = map (t: {
                inherit (t)
                  name
                  endpoint
                  location
                  host
                  ;
                credentials = t.secretRef;
              }) v.targets;
            }) volumes;
          };

      # On a restore run, the storage resource of the restored volume's kind names the snapshot to restore.
      restoreOf =
        svc: kind:
        let
          r = doc.restore;
        in
        lib.optionalAttrs (doc ? restore && r.service == svc.id && r.volume.kind == kind) {
          restoreFrom = {
            volume = r.volume.name;
            inherit (r.volume) host;
            snapshot = r.snapshot.guid;
            inherit (r.snapshot) name takenAt;
          };
        };

      perService =
        svc:
        let
          type = svc.type;
          def = serviceTypes.${type};
          name = "${doc.operator.slug}-${doc.deployment.name}-${type}";
          blobSettings = (provider "blob-storage").settings;
          s = {
            enable = svc.enabled;
            inherit (svc) domain options;
            inherit (svc.resources) vcpus memoryGib;
            secret =
              n:
              if lib.elem n def.secrets then secretPath type n else throw "${type}: undeclared secret ${n}";
            blob =
              if svc.storage.blob == null then
                null
              else
                {
                  bucket = name;
                  region = blobSettings.region or "garage";
                  endpoint = blobSettings.endpoint or null;
                };
            mail = {
              host = lib.elemAt relay 0;
              port = if lib.elemAt relay 2 == null then 587 else lib.toInt (lib.elemAt relay 2);
              sender = "noreply@${svc.domain}";
            };
          };
          # The fragment, type-checked against the stand-ins; what the root expression gives the machine.
          configuration =
            let
              evaluated = lib.evalModules {
                modules = [
                  nixosOptions
                  def.module
                  (def.configure s)
                  {
                    networking.hostName = type;
                    fileSystems = lib.optionalAttrs (svc.storage.block != null) {
                      ${def.dataDir} = {
                        device = "/dev/disk/by-id/virtio-${dataDiskSerial}";
                        fsType = "ext4";
                        autoFormat = true;
                      };
                    };
                  }
                ];
              };
            in
            removeAttrs evaluated.config [ "_module" ];
        in
        {
          inherit configuration;
          resources = {
            virtualisation = resource "virtualisation" {
              inherit name;
              hostName = type;
              inherit (svc.resources) vcpus memoryGib;
              # Disabled: the machine is stopped, its disks and names kept (nixops4 has no destroy).
              running = svc.enabled;
              disks = lib.optional (svc.storage.block != null) {
                serial = dataDiskSerial;
                volume = "${type}.block-storage";
              };
            };
            configuration = resource "configuration" {
              machine = "${type}.virtualisation";
              nixos = configuration;
            };
            dns = resource "dns" {
              zone = doc.operator.dnsZone;
              records =
                map
                  (rtype: {
                    name = relativeName svc.domain doc.operator.dnsZone;
                    type = rtype;
                    # The machine's address, an output of its virtualisation resource.
                    valueFrom = "${type}.virtualisation.${if rtype == "A" then "ipv4" else "ipv6"}";
                  })
                  [
                    "A"
                    "AAAA"
                  ];
            };
            mail = resource "mail" {
              inherit (svc) domain;
              inherit (s.mail) sender;
              relay = mailService.endpoint;
            };
            secrets = resource "secrets" {
              # The S3 credentials only exist where there is a bucket.
              secrets = map (n: {
                name = "${type}/${n}";
                path = secretPath type n;
              }) (lib.filter (n: n != "s3-env" || svc.storage.blob != null) def.secrets);
            };
          }
          // lib.optionalAttrs (svc.storage.block != null) {
            block-storage = resource "block-storage" (
              {
                volume = name;
                inherit (svc.storage.block) sizeGib;
                # Service data is backed up as ZFS snapshots, pulled by the zfs-pull targets.
                backup = backupOf svc "block";
              }
              // restoreOf svc "block"
            );
          }
          // lib.optionalAttrs (svc.storage.blob != null) {
            blob-storage = resource "blob-storage" (
              {
                bucket = name;
                quotaGib = svc.storage.blob.sizeGib;
                credentials = "${type}/s3-env";
                # User data is replicated to the s3-replica targets.
                backup = backupOf svc "blob";
              }
              // restoreOf svc "blob"
            );
          };
        };
      services = lib.listToAttrs (map (svc: lib.nameValuePair svc.type (perService svc)) doc.services);
    in
    {
      inherit (doc) schemaVersion deployment;
      configurations = lib.mapAttrs (_: s: s.configuration) services;
      resources = lib.mapAttrs (_: s: s.resources) services;
      resourceProviders = lib.listToAttrs (
        # listToAttrs keeps the first of a name: the provider firstOf picks for the resources.
        map (p: lib.nameValuePair p.componentType { inherit (p) implementation settings; }) doc.resourceProviders
      );
    };

  evaluate =
    doc:
    let
      result = build (document.validate extraErrors doc);
    in
    # All or nothing: any failure anywhere fails every attribute, so no caller sees part of a deployment.
    builtins.deepSeq result result;
in
{
  inherit (document) schemaVersion;
  inherit evaluate;
  /** The document at `file` (deployment.json), evaluated. */
  load = file: evaluate (lib.importJSON file);
  /** The stand-in option declarations, per service type: the contract with nixpkgs' modules. */
  modules = lib.mapAttrs (_: def: def.module) serviceTypes;
}
