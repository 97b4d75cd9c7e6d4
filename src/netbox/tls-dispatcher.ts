// fetch() takes TLS options only through an undici dispatcher. Node bundles undici but does not export
// it: use the `undici` package when installed, else borrow the constructor of Node's global Agent.

export interface TlsOptions {
  /** false accepts self-signed/unknown certificates (lab NetBoxes); default true. */
  rejectUnauthorized?: boolean;
  /** Extra CA certificate(s), PEM. */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface Dispatcher {
  close(): Promise<void>;
}

type AgentCtor = new (opts: { connect: TlsOptions }) => Dispatcher;

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
// A variable specifier keeps TypeScript from requiring the optional package at build time.
const UNDICI = "undici";

async function agentConstructor(): Promise<AgentCtor> {
  try {
    const mod = (await import(UNDICI)) as { Agent?: AgentCtor };
    if (typeof mod.Agent === "function") return mod.Agent;
  } catch {
    // not installed
  }
  // The global dispatcher lives on the globalThis of fetch's own realm, which differs from ours under
  // vm-based runners such as Jest; fetch's Function constructor evaluates in that realm.
  const realm = () =>
    (fetch.constructor as FunctionConstructor)("return globalThis")() as Record<symbol, unknown>;
  // It is created lazily by the first fetch; a data: URL needs no network.
  if (!realm()[GLOBAL_DISPATCHER]) await (await fetch("data:,")).arrayBuffer();
  const ctor = (realm()[GLOBAL_DISPATCHER] as { constructor?: unknown } | undefined)?.constructor;
  if (typeof ctor !== "function" || ctor.name !== "Agent") {
    throw new Error(
      "cannot apply NetBox TLS options: no undici Agent available (install the 'undici' package)",
    );
  }
  return ctor as AgentCtor;
}

export async function createTlsDispatcher(tls: TlsOptions): Promise<Dispatcher> {
  const Agent = await agentConstructor();
  return new Agent({ connect: { rejectUnauthorized: tls.rejectUnauthorized ?? true, ca: tls.ca } });
}
