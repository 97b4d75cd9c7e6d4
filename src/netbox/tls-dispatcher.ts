import { Agent } from "undici";

// fetch() takes TLS options only through an undici dispatcher; the NetBox client fetches with undici's own
// fetch, so the Agent and the fetch always come from the same undici.

export interface TlsOptions {
  /** false accepts self-signed/unknown certificates (lab NetBoxes); default true. */
  rejectUnauthorized?: boolean;
  /** Extra CA certificate(s), PEM. */
  ca?: string | Buffer | Array<string | Buffer>;
}

export type Dispatcher = Agent;

export function createTlsDispatcher(tls: TlsOptions): Dispatcher {
  return new Agent({ connect: { rejectUnauthorized: tls.rejectUnauthorized ?? true, ca: tls.ca } });
}
