import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { Permission as P } from "../../src/authz/permissions.js";
import { ClientService } from "../../src/authn/clients/client.service.js";
import { catalogue } from "../../src/modules.js";
import { toGlobalId } from "../../src/common/global-id.js";
import { systemCaller } from "../../src/common/caller.js";
import type { RunningServer } from "../../src/server.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { factories } from "../support/factories.js";
import { as, gql, startTestServer } from "../support/server.js";

/**
 * Property: for random role assignments of random users and service accounts, in operators, in either of
 * two providers or installation-wide, every read answers with exactly the data the principal holds a role
 * for (lists, counts, nested fields, filters, node(id), deploymentConfig, providers, clients, backups), and every
 * mutation goes through exactly where a role grants its permission. Objects out of reach look missing:
 * one provider's staff see nothing of the other's.
 */

type World = {
  /** Each with a backup target (and a backup default for mastodon). */
  providers: { id: string; gid: string; slug: string; target: string }[];
  /** A service account of each operator and of each provider, and a frontend client (neither). */
  clients: { gid: string; operator: number | null; provider: number | null }[];
  operators: {
    id: string;
    gid: string;
    provider: number;
    deployment: string;
    service: string;
    run: string;
    /** Its service's block volume, with a snapshot. */
    volume: string;
    restore: string;
  }[];
};
type Op = World["operators"][number];
/** Where a grant applies: the installation, a provider (index), or an operator (index). */
type Where = "installation" | { provider: number } | number;
type Assignment = { subject: number; role: string; where: Where };

const OPERATORS = 4;
const PROVIDERS = 2;
const pairs: { role: string; where: Where }[] = catalogue.roles.flatMap((r) => [
  ...(r.domains.includes("installation") ? [{ role: r.name, where: "installation" as const }] : []),
  ...(r.domains.includes("provider")
    ? Array.from({ length: PROVIDERS }, (_, p) => ({ role: r.name, where: { provider: p } }))
    : []),
  ...(r.domains.includes("operator")
    ? Array.from({ length: OPERATORS }, (_, i) => ({ role: r.name, where: i }))
    : []),
]);

const assignments = fc.array(
  fc
    .record({ subject: fc.nat({ max: 2 }), grant: fc.constantFrom(...pairs) })
    .map(({ subject, grant }): Assignment => ({ subject, ...grant })),
  { maxLength: 6 },
);

describe("operator isolation (property-based)", () => {
  let db: TestDatabase;
  let server: RunningServer;
  const world: World = { providers: [], operators: [], clients: [] };
  let round = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    const f = factories(db.ds);
    const types = await f.catalog();
    for (let p = 0; p < PROVIDERS; p++) {
      const provider = await f.provider();
      await db.ds.query(
        `INSERT INTO backup_default (provider_id, service_type_id, schedule, keep_daily)
         SELECT $1, id, '0 3 * * *', 7 FROM service_type WHERE provider_id = $1 AND slug = $2`,
        [provider.id, types.mastodon],
      );
      const [t] = await db.ds.query(
        `INSERT INTO backup_target (provider_id, name, kind, endpoint, location)
         VALUES ($1, 'vault', 'zfs-pull', 'vault.example', 'backup') RETURNING id`,
        [provider.id],
      );
      world.providers.push({ ...provider, target: toGlobalId("BackupTarget", t.id) });
    }
    for (let i = 0; i < OPERATORS; i++) {
      const provider = i % PROVIDERS;
      const op = await f.operator(world.providers[provider]!.id);
      const d = await f.deployment(op.id, "production");
      const s = await f.service(d.id, types.mastodon!, `social.${op.zone}`);
      const [run] = await db.ds.query(
        `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator, finished_at)
         VALUES ($1, 'succeeded', '{}', 'x', 1, '{}', now()) RETURNING id`,
        [d.id],
      );
      // A restore already rejected: rejecting it again (where allowed) changes nothing.
      const [volume] = await db.ds.query(
        `INSERT INTO backup_volume (service_id, operator_id, kind, name) VALUES ($1, $2, 'block', 'tank/data') RETURNING id`,
        [s.id, op.id],
      );
      await db.ds.query(
        `INSERT INTO backup_snapshot (volume_id, guid, name, taken_at, size_bytes, observed_at)
         VALUES ($1, '1', 'autosnap', now(), 1, now())`,
        [volume.id],
      );
      const [restore] = await db.ds.query(
        `INSERT INTO backup_restore (service_id, deployment_id, operator_id, volume_id, snapshot_guid, state,
                                     requested_by, idempotency_key, decided_by, decided_at)
         VALUES ($1, $2, $3, $4, '1', 'rejected', '{}', 'k', '{}', now()) RETURNING id`,
        [s.id, d.id, op.id, volume.id],
      );
      world.operators.push({
        id: op.id,
        gid: op.gid,
        provider,
        deployment: d.gid,
        service: s.gid,
        run: toGlobalId("Run", run.id),
        volume: toGlobalId("BackupVolume", volume.id),
        restore: toGlobalId("BackupRestore", restore.id),
      });
    }
    const clients = new ClientService(db.ds, catalogue);
    for (const [i, o] of world.operators.entries()) {
      const made = await clients.createServiceAccount(systemCaller(), {
        name: `ci ${i}`,
        role: "operator-viewer",
        operatorId: o.gid,
      });
      world.clients.push({ gid: toGlobalId("Client", made.id), operator: i, provider: null });
    }
    for (const [p, provider] of world.providers.entries()) {
      const made = await clients.createServiceAccount(systemCaller(), {
        name: `ops ${p}`,
        role: "provider-viewer",
        providerId: provider.gid,
      });
      world.clients.push({ gid: toGlobalId("Client", made.id), operator: null, provider: p });
    }
    const panel = await clients.createPublicClient(systemCaller(), {
      name: "panel",
      redirectUris: ["https://panel.example/cb"],
    });
    world.clients.push({ gid: toGlobalId("Client", panel), operator: null, provider: null });
    server = await startTestServer(db.ds);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("shows and changes exactly what the roles grant", async () => {
    await fc.assert(
      fc.asyncProperty(assignments, fc.boolean(), async (grants, clients) => {
        round++;
        const subjects = [0, 1, 2].map((i) => `${clients && i === 2 ? "client" : "user"}:r${round}-${i}`);
        for (const g of grants) {
          const res = await gql(server, `mutation($i: RoleGrantInput!) { grantRole(input: $i) { domain } }`, {
            i: {
              subject: subjects[g.subject],
              role: g.role,
              ...(typeof g.where === "number"
                ? { operatorId: world.operators[g.where]!.gid }
                : g.where === "installation"
                  ? {}
                  : { providerId: world.providers[g.where.provider]!.gid }),
            },
          });
          if (res.errors) throw new Error(JSON.stringify(res.errors));
        }
        await Promise.all(
          subjects.map((s, i) =>
            checkSubject(
              s,
              grants.filter((g) => g.subject === i),
            ),
          ),
        );
      }),
      { numRuns: 20 },
    );
  });

  /**
   * What the model says: the permissions a subject holds for each operator, for each provider's own data
   * (provider and installation grants), and installation-wide.
   */
  function expected(grants: Assignment[]) {
    const perms = world.operators.map(() => new Set<P>());
    const atProvider = world.providers.map(() => new Set<P>());
    const everywhere = new Set<P>();
    for (const g of grants) {
      const role = catalogue.roles.find((r) => r.name === g.role)!;
      const w = g.where;
      const targets = world.operators.flatMap((o, i) =>
        w === "installation" || (typeof w === "number" ? w === i : w.provider === o.provider) ? [i] : [],
      );
      for (const t of targets) for (const p of role.permissions) perms[t]!.add(p);
      for (const [i] of world.providers.entries()) {
        if (w === "installation" || (typeof w === "object" && w.provider === i))
          for (const p of role.permissions) atProvider[i]!.add(p);
      }
      if (w === "installation") for (const p of role.permissions) everywhere.add(p);
    }
    const anywhere = (p: P) => perms.some((s) => s.has(p));
    const where = (p: P) => world.operators.flatMap((o, i) => (perms[i]!.has(p) ? [o] : []));
    return { perms, atProvider, everywhere, anywhere, where };
  }

  async function checkSubject(subject: string, grants: Assignment[]) {
    const m = expected(grants);
    const ids = (
      os: World["operators"],
      key: "gid" | "deployment" | "service" | "run" | "volume" | "restore",
    ) => os.map((o) => o[key]).sort();
    const ops = world.operators;
    // One root field per request (a refused non-null root field voids the whole answer), all at once.
    const ask = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await gql(server, query, variables, as(subject));
      return {
        data: res.data as Record<string, any> | null,
        code: res.errors?.[0]?.extensions?.code ?? null,
      };
    };
    const [operators, deployments, byProvider, runs, providers, nodes, clients, restores, ...configs] =
      await Promise.all([
        ask(`{ operators(first: 100) { totalCount nodes { id
        deployments { totalCount nodes { id services { totalCount nodes { id backupPolicy { schedule }
          backup { volumes { id } freshness { status } } } } lastRun { id } } } } } }`),
        ask(`{ deployments(first: 100) { totalCount nodes { id operator { id } } } }`),
        ask(`query($p: String) { operators(filter: { providerId: $p }) { totalCount } }`, {
          p: world.providers[0]!.gid,
        }),
        ask(`{ runs(first: 100) { totalCount nodes { id } } }`),
        ask(`{ providers(first: 10) { nodes { id } } }`),
        ask(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
          ids: [
            ...ops.flatMap((o) => [o.gid, o.deployment, o.service, o.run, o.volume, o.restore]),
            ...world.providers.map((p) => p.target),
          ],
        }),
        ask(`{ clients(first: 100) { totalCount nodes { id } } }`),
        ask(`{ backupRestores(first: 100) { totalCount nodes { id } } }`),
        ...ops.map((o) => ask(`query($d: ID!) { deploymentConfig(deploymentId: $d) }`, { d: o.deployment })),
      ]);

    // Lists, counts and nested connections.
    if (!m.anywhere(P.OperatorRead)) {
      expect([operators.code, byProvider.code, nodes.code]).toEqual(["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]);
    } else {
      const seen = operators.data!.operators;
      expect(seen.nodes.map((o: { id: string }) => o.id).sort()).toEqual(ids(m.where(P.OperatorRead), "gid"));
      expect(seen.totalCount).toBe(m.where(P.OperatorRead).length);
      for (const o of seen.nodes) {
        const i = ops.findIndex((w) => w.gid === o.id);
        const visible = m.perms[i]!.has(P.DeploymentRead) ? [ops[i]!.deployment] : [];
        expect(o.deployments.nodes.map((d: { id: string }) => d.id)).toEqual(visible);
        expect(o.deployments.totalCount).toBe(visible.length);
        for (const d of o.deployments.nodes) {
          expect(d.services.nodes.map((x: { id: string }) => x.id)).toEqual([ops[i]!.service]);
          // The policy is the service's configuration; its volumes and freshness are backup:read's.
          const backups = m.perms[i]!.has(P.BackupRead);
          expect(d.services.nodes[0]).toMatchObject({
            backupPolicy: { schedule: "0 3 * * *" },
            backup: {
              volumes: backups ? [{ id: ops[i]!.volume }] : [],
              freshness: backups ? { status: expect.any(String) } : null,
            },
          });
          expect(d.lastRun?.id ?? null).toBe(m.perms[i]!.has(P.RunRead) ? ops[i]!.run : null);
        }
      }
      // A filter narrows within what may be seen, counts included.
      expect(byProvider.data!.operators.totalCount).toBe(
        m.where(P.OperatorRead).filter((o) => o.provider === 0).length,
      );
      // node(id) of every object: null where the principal holds no role, exactly as for a missing id.
      expect(nodes.data!.nodes.map((n: { id: string } | null) => n?.id ?? null)).toEqual(
        ops
          .flatMap((o, i) => [
            m.perms[i]!.has(P.OperatorRead) ? o.gid : null,
            m.perms[i]!.has(P.DeploymentRead) ? o.deployment : null,
            m.perms[i]!.has(P.DeploymentRead) ? o.service : null,
            m.perms[i]!.has(P.RunRead) ? o.run : null,
            m.perms[i]!.has(P.BackupRead) ? o.volume : null,
            m.perms[i]!.has(P.BackupRead) ? o.restore : null,
          ])
          .concat(world.providers.map((p, i) => (m.atProvider[i]!.has(P.BackupRead) ? p.target : null))),
      );
    }
    if (!m.anywhere(P.DeploymentRead)) expect(deployments.code).toBe("FORBIDDEN");
    else {
      expect(deployments.data!.deployments.nodes.map((d: { id: string }) => d.id).sort()).toEqual(
        ids(m.where(P.DeploymentRead), "deployment"),
      );
      expect(deployments.data!.deployments.totalCount).toBe(m.where(P.DeploymentRead).length);
    }
    if (!m.anywhere(P.RunRead)) expect(runs.code).toBe("FORBIDDEN");
    else {
      expect(runs.data!.runs.nodes.map((r: { id: string }) => r.id).sort()).toEqual(
        ids(m.where(P.RunRead), "run"),
      );
      expect(runs.data!.runs.totalCount).toBe(m.where(P.RunRead).length);
    }
    if (!m.anywhere(P.BackupRead)) expect(restores.code).toBe("FORBIDDEN");
    else {
      expect(restores.data!.backupRestores.nodes.map((r: { id: string }) => r.id).sort()).toEqual(
        ids(m.where(P.BackupRead), "restore"),
      );
      expect(restores.data!.backupRestores.totalCount).toBe(m.where(P.BackupRead).length);
    }
    if (!m.anywhere(P.ProviderRead)) expect(providers.code).toBe("FORBIDDEN");
    else {
      // A provider is seen by its own staff and by those of its operators.
      const visible = new Set([
        ...m.where(P.ProviderRead).map((o) => world.providers[o.provider]!.gid),
        ...world.providers.filter((_, i) => m.atProvider[i]!.has(P.ProviderRead)).map((p) => p.gid),
      ]);
      expect(new Set(providers.data!.providers.nodes.map((p: { id: string }) => p.id))).toEqual(visible);
    }
    // Clients: an operator's service accounts where client:read is held for it (or its provider), a
    // provider's where it is held for the provider, the frontend client installation-wide only.
    if (!m.anywhere(P.ClientRead)) expect(clients.code).toBe("FORBIDDEN");
    else {
      const visible = world.clients
        .filter((c) =>
          c.operator !== null
            ? m.perms[c.operator]!.has(P.ClientRead)
            : c.provider !== null
              ? m.atProvider[c.provider]!.has(P.ClientRead)
              : m.everywhere.has(P.ClientRead),
        )
        .map((c) => c.gid);
      expect(clients.data!.clients.nodes.map((c: { id: string }) => c.id).sort()).toEqual(visible.sort());
      expect(clients.data!.clients.totalCount).toBe(visible.length);
    }
    // Each deployment's configuration: there, or missing (never "forbidden", which would tell it exists).
    for (const [i, o] of ops.entries()) {
      if (m.perms[i]!.has(P.ConfigRead)) expect(configs[i]!.data!.deploymentConfig.operator.id).toBe(o.gid);
      else expect(configs[i]!.code).toBe(m.anywhere(P.ConfigRead) ? "NOT_FOUND" : "FORBIDDEN");
    }

    // Backups: each provider's freshness list holds the services in reach, a volume's retention plan is
    // there or missing.
    const [freshness, volumes, plans] = await Promise.all([
      Promise.all(
        world.providers.map((p) =>
          ask(`query($p: ID!) { backupFreshness(providerId: $p) { serviceId } }`, { p: p.gid }),
        ),
      ),
      Promise.all(
        world.providers.map((p) =>
          ask(`query($p: ID!) { backupVolumes(providerId: $p) { id } }`, { p: p.gid }),
        ),
      ),
      Promise.all(
        ops.map((o) =>
          ask(`query($v: ID!) { backupRetentionPlan(volumeId: $v) { volumeId } }`, { v: o.volume }),
        ),
      ),
    ]);
    for (const [p, got] of freshness.entries()) {
      if (!m.anywhere(P.BackupRead)) expect(got.code).toBe("FORBIDDEN");
      else
        expect(got.data!.backupFreshness.map((f: { serviceId: string }) => f.serviceId).sort()).toEqual(
          ids(
            m.where(P.BackupRead).filter((o) => o.provider === p),
            "service",
          ),
        );
    }
    for (const [p, got] of volumes.entries()) {
      if (!m.anywhere(P.BackupRead)) expect(got.code).toBe("FORBIDDEN");
      else
        expect(got.data!.backupVolumes.map((v: { id: string }) => v.id).sort()).toEqual(
          ids(
            m.where(P.BackupRead).filter((o) => o.provider === p),
            "volume",
          ),
        );
    }
    for (const [i, got] of plans.entries()) {
      if (m.perms[i]!.has(P.BackupRead)) expect(got.data!.backupRetentionPlan.volumeId).toBe(ops[i]!.volume);
      else expect(got.code).toBe(m.anywhere(P.BackupRead) ? "NOT_FOUND" : "FORBIDDEN");
    }

    // Mutations that change nothing when allowed, so rounds do not disturb each other.
    const kinds = [
      { name: "rename", p: P.DeploymentWrite, ok: null, sees: P.DeploymentRead, of: (o: Op) => o.deployment },
      { name: "configure", p: P.DeploymentWrite, ok: null, sees: P.DeploymentRead, of: (o: Op) => o.service },
      { name: "quota", p: P.QuotaSet, ok: null, sees: P.OperatorRead, of: (o: Op) => o.gid },
      { name: "cancel", p: P.RunCancel, ok: "CONFLICT", sees: P.RunRead, of: (o: Op) => o.run },
      { name: "reject", p: P.BackupApprove, ok: null, sees: P.BackupRead, of: (o: Op) => o.restore },
    ] as const;
    const mutation = {
      rename: `mutation($id: ID!) { renameDeployment(id: $id, name: "production") { id } }`,
      configure: `mutation($id: ID!) { configureService(id: $id, input: {}) { id } }`,
      quota: `mutation($id: ID!) { setOperatorQuota(id: $id, quota: { storageGib: 10000, vcpus: 100, memoryGib: 400 }) { id } }`,
      cancel: `mutation($id: ID!) { cancelRun(id: $id) { id } }`,
      reject: `mutation($id: ID!) { rejectRestore(id: $id) { id } }`,
    };
    const outcomes = await Promise.all(
      ops.flatMap((o, i) =>
        kinds.map(async (k) => [k, i, (await ask(mutation[k.name], { id: k.of(o) })).code] as const),
      ),
    );
    // A provider's own data: changed by its staff; another provider's looks missing.
    const providerOutcomes = await Promise.all(
      world.providers.map(
        async (p, i) =>
          [
            i,
            (
              await ask(`mutation($id: ID!) { setProviderBespokeInfo(id: $id, info: {}) { id } }`, {
                id: p.gid,
              })
            ).code,
          ] as const,
      ),
    );
    for (const [i, got] of providerOutcomes) {
      const mine = m.atProvider[i]!;
      const want = mine.has(P.ProviderManage)
        ? null
        : !m.anywhere(P.ProviderManage) || mine.has(P.ProviderRead)
          ? "FORBIDDEN"
          : "NOT_FOUND";
      expect(["provider", i, got]).toEqual(["provider", i, want]);
    }
    for (const [k, i, got] of outcomes) {
      const perms = m.perms[i]!;
      // Allowed: done; held nowhere: refused at the root; elsewhere only: missing, or forbidden if visible.
      const want = perms.has(k.p) ? k.ok : !m.anywhere(k.p) || perms.has(k.sees) ? "FORBIDDEN" : "NOT_FOUND";
      expect([k.name, i, got]).toEqual([k.name, i, want]);
    }
  }
});
