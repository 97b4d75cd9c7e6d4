import { afterAll, describe, expect, it } from "@jest/globals";
import { pollUntil } from "../support/poll.js";
import { useRunHarness } from "../support/runs.js";
import { gql, startTestServer, type TestServer } from "../support/server.js";

const TOKEN = "scraper-token-0123456789";

/** One sample of a scrape, by metric name and exact label set as Prometheus prints them; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("/metrics", () => {
  let metricsServer: TestServer | null = null;
  // Declared before the harness's, so it runs before the database goes.
  afterAll(async () => {
    await metricsServer?.stop();
  });
  const h = useRunHarness("metrics", { concurrency: 1, pollMs: 50, heartbeatMs: 200 });
  const server = async () =>
    (metricsServer ??= await startTestServer(h.db.ds, { METRICS_ENABLED: "true", METRICS_TOKEN: TOKEN }));
  const scrape = async (authorization: string | null = `Bearer ${TOKEN}`) => {
    const res = await fetch(`${(await server()).url}/metrics`, {
      headers: authorization ? { authorization } : {},
    });
    return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
  };

  it("answers only with the token, in the Prometheus text format", async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(ok.text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(ok.text).toMatch(/^fedicentral_db_pool_connections\{state="total"\} \d+$/m);
  });

  it("is not there unless enabled", async () => {
    const res = await fetch(`${h.server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
  });

  it("counts GraphQL operations by outcome and HTTP requests by route", async () => {
    const ok = 'fedicentral_graphql_operations_total{type="query",code="OK"}';
    const invalid = 'fedicentral_graphql_operations_total{type="unknown",code="GRAPHQL_VALIDATION_FAILED"}';
    const http =
      'fedicentral_http_request_duration_seconds_count{route="/graphql",method="POST",status="2xx"}';
    const before = (await scrape()).text;
    const s = await server();
    expect((await gql(s, "{ __typename }")).errors).toBeUndefined();
    expect((await gql(s, "{ __typename }")).errors).toBeUndefined();
    expect((await gql(s, "{ noSuchField }")).errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const after = (await scrape()).text;
    expect(sample(after, ok) - sample(before, ok)).toBe(2);
    expect(sample(after, invalid) - sample(before, invalid)).toBe(1);
    expect(sample(after, http) - sample(before, http)).toBe(2);
  });

  it("shows the database's run queue and the sealer's lag at each scrape", async () => {
    const deployment = await h.f.deployment(h.operator.id);
    const insert = (state: string, age: string) =>
      h.db.ds.query(
        `INSERT INTO run (deployment_id, state, config, config_hash, generation, initiator, queued_at)
         VALUES ($1, $2, '{}', 'x', 1, '{"kind":"system"}', now() - $3::interval)`,
        [deployment.id, state, age],
      );
    await insert("queued", "90 seconds");
    await insert("queued", "5 seconds");
    const text = (await scrape()).text;
    expect(sample(text, 'fedicentral_runs{state="queued"}')).toBe(2);
    expect(sample(text, 'fedicentral_runs{state="running"}')).toBe(0);
    const oldest = sample(text, "fedicentral_run_queue_oldest_seconds");
    expect(oldest).toBeGreaterThanOrEqual(90);
    expect(oldest).toBeLessThan(600);
    await h.db.ds.query(`UPDATE run SET state = 'canceled', finished_at = now() WHERE state = 'queued'`);
    expect(sample((await scrape()).text, 'fedicentral_runs{state="queued"}')).toBe(0);

    // No sealer runs in a test server: every event so far waits for it.
    const [{ n }] = await h.db.ds.query(`SELECT count(*)::int AS n FROM accounting_event`);
    expect(n).toBeGreaterThan(0);
    const lag = (await scrape()).text;
    expect(sample(lag, "fedicentral_accounting_unsealed_events")).toBe(n);
    expect(sample(lag, "fedicentral_accounting_unsealed_oldest_seconds")).toBeGreaterThan(0);
  });

  it("counts the runs its worker ended, with their duration", async () => {
    const ended = 'fedicentral_runs_ended_total{state="succeeded"}';
    const timed = 'fedicentral_run_duration_seconds_count{state="succeeded"}';
    const before = (await scrape()).text;
    h.worker({ FAKE_NIXOPS4_MODE: "succeed" });
    await h.apply();
    await h.apply();
    const after = await pollUntil(
      async () => (await scrape()).text,
      (t) => sample(t, ended) - sample(before, ended) === 2,
      { what: "two runs to be counted as ended" },
    );
    expect(sample(after, timed) - sample(before, timed)).toBe(2);
  });

  it("shows the services by backup freshness and the age of the oldest stale backup", async () => {
    const types = await h.f.catalog();
    const [{ provider_id: providerId }] = await h.db.ds.query(
      `SELECT provider_id FROM operator WHERE id = $1`,
      [h.operator.id],
    );
    // Hourly snapshots by the provider's default: one 5 hours old (stale), one fresh, one service without any volume.
    await h.db.ds.query(
      `INSERT INTO backup_default (provider_id, service_type_id, schedule, keep_last)
       SELECT $1, id, '0 * * * *', 24 FROM service_type WHERE provider_id = $1 AND slug = $2`,
      [providerId, types.forgejo],
    );
    const service = async (hoursAgo: number | null) => {
      const d = await h.f.deployment(h.operator.id);
      const s = await h.f.service(d.id, types.forgejo!, `git.${d.name}.${h.operator.id.slice(0, 8)}.example`);
      if (hoursAgo === null) return;
      const [v] = await h.db.ds.query(
        `INSERT INTO backup_volume (service_id, operator_id, kind, name) VALUES ($1, $2, 'block', 'tank/git') RETURNING id`,
        [s.id, h.operator.id],
      );
      // As a report leaves it: the snapshot, and the volume's newest live one.
      await h.db.ds.query(
        `WITH s AS (INSERT INTO backup_snapshot (volume_id, guid, name, taken_at, size_bytes, observed_at)
                    VALUES ($1, 'g', 'autosnap', now() - make_interval(hours => $2), 1, now()) RETURNING taken_at)
         UPDATE backup_volume SET last_snapshot_at = (SELECT taken_at FROM s) WHERE id = $1`,
        [v.id, hoursAgo],
      );
    };
    await service(5);
    await service(0);
    await service(null);
    // A scrape reuses the database read of one within the last second: wait for one that sees these.
    const text = await pollUntil(
      async () => (await scrape()).text,
      (t) => sample(t, 'fedicentral_backup_services{status="stale"}') === 1,
      { what: "the stale service to be counted" },
    );
    expect(
      ["unprotected", "stale", "protected"].map((s) =>
        sample(text, `fedicentral_backup_services{status="${s}"}`),
      ),
    ).toEqual([1, 1, 1]);
    const oldest = sample(text, "fedicentral_backup_oldest_stale_seconds");
    expect(oldest).toBeGreaterThanOrEqual(5 * 3600);
    expect(oldest).toBeLessThan(5 * 3600 + 600);
  });
});
