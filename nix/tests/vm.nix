# `nix flake check` (or `nix build .#checks.x86_64-linux.vm`): boots the module with a local PostgreSQL,
# makes a service account with the CLI, gets a token and queries /graphql. Needs nixpkgs and KVM.
{ pkgs, self }:
pkgs.testers.nixosTest {
  name = "fedicentral";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ self.nixosModules.default ];
      virtualisation.memorySize = 2048;
      environment.systemPackages = [
        pkgs.curl
        pkgs.jq
      ];

      # Test keys made at boot, so that none is in the store (never write real keys into a configuration).
      systemd.services.fedicentral-test-keys = {
        wantedBy = [ "multi-user.target" ];
        before = [ "fedicentral-migrate.service" "fedicentral.service" ];
        requiredBy = [ "fedicentral-migrate.service" "fedicentral.service" ];
        serviceConfig.Type = "oneshot";
        script = ''
          install -d -m 0700 /run/keys
          head -c 32 /dev/urandom | base64 > /run/keys/fedicentral-auth
          head -c 32 /dev/urandom | base64 > /run/keys/fedicentral-accounting
        '';
      };

      services.fedicentral = {
        enable = true;
        publicUrl = "http://127.0.0.1:4000";
        workers = 1;
        secrets = {
          AUTH_ENCRYPTION_KEY = "/run/keys/fedicentral-auth";
          ACCOUNTING_SIGNING_KEY_SECRET = "/run/keys/fedicentral-accounting";
        };
        settings.LOG_LEVEL = "debug";
      };
    };

  testScript = ''
    machine.wait_for_unit("postgresql.service")
    machine.wait_for_unit("fedicentral-migrate.service")
    # Type=notify: active only once the server said READY=1.
    machine.wait_for_unit("fedicentral.service")
    machine.wait_for_unit("fedicentral-worker@1.service")
    machine.succeed("curl -sf http://127.0.0.1:4000/readyz")

    machine.succeed("fedicentral-manage provider create --name 'VM Hosting' --slug vm")
    machine.succeed(
        "fedicentral-manage client create --name vm-test --provider vm --role provider-admin --json > /tmp/client.json"
    )
    token = machine.succeed(
        "curl -sf http://127.0.0.1:4000/oidc/token"
        " -u \"$(jq -r '.client_id + \":\" + .client_secret' /tmp/client.json)\""
        " -d grant_type=client_credentials -d scope=api | jq -r .access_token"
    ).strip()
    answer = machine.succeed(
        "curl -sf http://127.0.0.1:4000/graphql -H 'content-type: application/json'"
        f" -H 'authorization: Bearer {token}'"
        " -d '{\"query\":\"{ providers(first: 5) { nodes { slug } } }\"}'"
    )
    assert '"slug":"vm"' in answer, answer

    # No secret in the environment of the running server.
    machine.fail("grep -z AUTH_ENCRYPTION_KEY= /proc/$(systemctl show -p MainPID --value fedicentral)/environ")
  '';
}
