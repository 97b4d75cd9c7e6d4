import { randomUUID } from "node:crypto";
import { createClient } from "graphql-ws/client";
import WebSocket from "ws";

// The soak's clients: a fixed rate of mixed requests spread over the servers that answer, each client
// noting what the service acknowledged, and a live-log subscriber per run that resumes on another server
// from the last offset when its server goes away.

export type Kind = "read" | "createDeployment" | "token" | "apply" | "cancel";

export type RequestRecord = { kind: Kind; start: number; end: number; status: number; server: number };

export type Ack = { kind: Kind; requestId: string; key: string; id: string };

export type Subscription = {
  runId: string;
  nextOffset: number;
  bytes: number;
  states: string[];
  completed: boolean;
  resumes: number;
  /** Gaps, overlaps, a subscription that never completed. */
  problems: string[];
  /** Errors the server answered (when its database was away): fine inside a fault's window. */
  errors: { t: number; message: string }[];
};

type Target = { url: string; downUntil: number };

export type LoadOptions = {
  servers: string[];
  /** Requests per second, all kinds together. */
  rate: number;
  operators: { id: string; deployments: string[] }[];
  clientId: string;
  clientSecret: string;
};

const WEIGHTS: [Kind, number][] = [
  // Applies at a rate the one worker keeps up with (about 2.5 runs/s at concurrency 4), so the soak measures a
  // steady state rather than a queue that drains after the load stops.
  ["read", 63],
  ["createDeployment", 15],
  ["token", 10],
  ["apply", 8],
  ["cancel", 4],
];

const READ = `{ operators(first: 5) { nodes { id name quota { storageGib }
  deployments(first: 5) { nodes { id name lastRun { id state } services(first: 5) { nodes { id domain } } } } } } }`;
const CREATE = `mutation($o: ID!, $n: String!) { createDeployment(input: { operatorId: $o, name: $n }) { id name } }`;
const APPLY = `mutation($d: ID!, $k: String!) { applyDeployment(deploymentId: $d, idempotencyKey: $k) { id } }`;
const CANCEL = `mutation($id: ID!) { cancelRun(id: $id) { id state } }`;
const RUN_EVENTS = `subscription($id: ID!, $from: Int) { runEvents(runId: $id, fromOffset: $from) {
  __typename ... on RunLogChunk { offset nextOffset base64 } ... on RunStateChange { state } } }`;

const REQUEST_TIMEOUT_MS = 10_000;
const TERMINAL = new Set(["SUCCEEDED", "FAILED", "ERRORED", "CANCELED"]);

export class Load {
  readonly requests: RequestRecord[] = [];
  readonly acks: Ack[] = [];
  readonly subscriptions: Subscription[] = [];
  private readonly targets: Target[];
  /** Live-log subscriptions open on each server now. */
  private readonly following: number[];
  private next = 0;
  private token = "";
  private tokenAt = 0;
  private seq = 0;
  private inFlight = 0;
  private running = false;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly runs: string[] = [];
  private readonly basic: string;

  constructor(private readonly opts: LoadOptions) {
    this.targets = opts.servers.map((url) => ({ url, downUntil: 0 }));
    this.following = opts.servers.map(() => 0);
    this.basic = `Basic ${Buffer.from(`${opts.clientId}:${opts.clientSecret}`).toString("base64")}`;
  }

  /** Sends requests at the fixed rate until stop(); a request still running does not delay the next. */
  async start(): Promise<void> {
    await this.refreshToken(true);
    this.running = true;
    const interval = 1000 / this.opts.rate;
    const began = performance.now();
    void (async () => {
      for (let i = 0; this.running; i++) {
        const due = began + i * interval - performance.now();
        if (due > 0) await new Promise((r) => setTimeout(r, due));
        // Past 64 in flight (a paused server), a tick is skipped rather than piling up sockets.
        if (this.running && this.inFlight < 64) this.track(this.one(pick()));
      }
    })();
  }

  /** Waits until server `i` has a live-log subscription open (a run being followed), up to `ms`. */
  async followedOn(i: number, ms: number): Promise<number> {
    const until = Date.now() + ms;
    while (this.following[i] === 0 && Date.now() < until) await sleep(50);
    return this.following[i]!;
  }

  /** Stops sending; resolves when every request has its answer and every subscription has ended. */
  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    const until = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < until) await Promise.race([...this.pending, sleep(500)]);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async one(kind: Kind): Promise<void> {
    this.inFlight++;
    try {
      if (kind === "token") await this.refreshToken(true);
      else if (kind === "read") await this.gql("read", READ, {}, true);
      else if (kind === "createDeployment") await this.create();
      else if (kind === "apply") await this.apply();
      else await this.cancel();
    } finally {
      this.inFlight--;
    }
  }

  private async create(): Promise<void> {
    const op = this.opts.operators[this.seq % this.opts.operators.length]!;
    const name = `soak-${++this.seq}-${randomUUID().slice(0, 8)}`;
    const r = await this.gql("createDeployment", CREATE, { o: op.id, n: name }, false);
    const d = r?.data?.createDeployment as { id: string } | undefined;
    if (!d) return;
    this.acks.push({ kind: "createDeployment", requestId: r!.requestId, key: name, id: d.id });
    op.deployments.push(d.id);
  }

  private async apply(): Promise<void> {
    const op = this.opts.operators[this.seq++ % this.opts.operators.length]!;
    const deployment = op.deployments[Math.floor(Math.random() * op.deployments.length)];
    if (!deployment) return;
    const key = randomUUID();
    const r = await this.gql("apply", APPLY, { d: deployment, k: key }, false);
    const run = r?.data?.applyDeployment as { id: string } | undefined;
    if (!run) return;
    this.acks.push({ kind: "apply", requestId: r!.requestId, key, id: run.id });
    this.runs.push(run.id);
    this.track(this.follow(run.id));
  }

  private async cancel(): Promise<void> {
    // One of the last runs applied: most are queued or running.
    const run = this.runs[this.runs.length - 1 - Math.floor(Math.random() * Math.min(5, this.runs.length))];
    if (!run) return;
    const r = await this.gql("cancel", CANCEL, { id: run }, false);
    const c = r?.data?.cancelRun as { id: string; state: string } | undefined;
    if (c) this.acks.push({ kind: "cancel", requestId: r!.requestId, key: c.state, id: c.id });
  }

  /** A client-credentials token from /oidc/token; requests use the newest. */
  private async refreshToken(force: boolean): Promise<void> {
    if (!force && Date.now() - this.tokenAt < 60_000) return;
    const res = await this.send("token", "/oidc/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: this.basic },
      body: "grant_type=client_credentials&scope=api",
    });
    if (res?.status === 200) {
      this.token = ((await res.json()) as { access_token: string }).access_token;
      this.tokenAt = Date.now();
    }
  }

  /** A GraphQL request; reads move to the other server when theirs does not answer. */
  private async gql(kind: Kind, query: string, variables: object, retry: boolean) {
    const requestId = `soak-${randomUUID()}`;
    for (let attempt = 0; attempt < (retry ? 2 : 1); attempt++) {
      const res = await this.send(kind, "/graphql", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${this.token}`,
          "x-request-id": requestId,
        },
        body: JSON.stringify({ query, variables }),
      });
      if (!res) continue;
      const body = (await res.json().catch(() => ({}))) as {
        data?: Record<string, unknown>;
        errors?: unknown;
      };
      if (res.status === 200 && !body.errors) return { requestId, data: body.data };
      return null;
    }
    return null;
  }

  /** One HTTP request to the next server that answers; null when none did (a network failure). */
  private async send(kind: Kind, path: string, init: RequestInit): Promise<Response | null> {
    const i = this.pickServer();
    const t = this.targets[i]!;
    const start = Date.now();
    try {
      const res = await fetch(`${t.url}${path}`, {
        ...init,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await res.arrayBuffer();
      this.requests.push({ kind, start, end: Date.now(), status: res.status, server: i });
      return new Response(body, { status: res.status, headers: res.headers });
    } catch {
      this.requests.push({ kind, start, end: Date.now(), status: 0, server: i });
      t.downUntil = Date.now() + 2000;
      return null;
    }
  }

  private pickServer(): number {
    const now = Date.now();
    for (let k = 0; k < this.targets.length; k++) {
      const i = this.next++ % this.targets.length;
      if (this.targets[i]!.downUntil <= now) return i;
    }
    return this.next++ % this.targets.length;
  }

  /**
   * Follows a run's live log until its final state; when the connection drops first, subscribes again
   * on the next server from the last offset received.
   */
  private async follow(runId: string): Promise<void> {
    const s: Subscription = {
      runId,
      nextOffset: 0,
      bytes: 0,
      states: [],
      completed: false,
      resumes: -1,
      problems: [],
      errors: [],
    };
    this.subscriptions.push(s);
    const until = Date.now() + 180_000;
    while (!s.completed && Date.now() < until) {
      s.resumes++;
      const i = this.pickServer();
      this.following[i]!++;
      const ok = await this.subscribeOnce(this.targets[i]!.url, s).finally(() => this.following[i]!--);
      if (!ok) {
        this.targets[i]!.downUntil = Date.now() + 2000;
        await sleep(500);
      }
    }
    if (!s.completed) s.problems.push("never completed");
  }

  /** One subscription; true when it completed, false when the connection failed. */
  private subscribeOnce(url: string, s: Subscription): Promise<boolean> {
    const client = createClient({
      url: `${url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
      retryAttempts: 0,
      lazy: true,
      // A paused server answers no ping: after this the connection counts as lost.
      keepAlive: 2000,
    });
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (v: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void client.dispose();
        resolve(v);
      };
      const timer = setTimeout(() => settle(false), 60_000);
      client.subscribe<{ runEvents: Record<string, unknown> }>(
        { query: RUN_EVENTS, variables: { id: s.runId, from: s.nextOffset } },
        {
          next: (result) => {
            for (const e of result.errors ?? []) s.errors.push({ t: Date.now(), message: e.message });
            const ev = result.data?.runEvents;
            if (!ev) return;
            if (ev.__typename === "RunLogChunk") {
              if (ev.offset !== s.nextOffset)
                s.problems.push(`gap or overlap ${s.nextOffset} -> ${String(ev.offset)}`);
              s.bytes += Buffer.from(ev.base64 as string, "base64").length;
              s.nextOffset = ev.nextOffset as number;
            } else s.states.push(ev.state as string);
          },
          error: (e) => {
            if (Array.isArray(e))
              for (const x of e as { message: string }[])
                s.errors.push({ t: Date.now(), message: x.message });
            settle(false);
          },
          complete: () => {
            const last = s.states[s.states.length - 1];
            s.completed = last !== undefined && TERMINAL.has(last);
            settle(s.completed);
          },
        },
      );
    });
  }
}

function pick(): Kind {
  const total = WEIGHTS.reduce((a, [, w]) => a + w, 0);
  let r = Math.random() * total;
  for (const [k, w] of WEIGHTS) if ((r -= w) < 0) return k;
  return "read";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
