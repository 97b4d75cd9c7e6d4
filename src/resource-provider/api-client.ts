// fedicentral's GraphQL API as a resource provider calls it: over HTTP, as a config-reader service account
// (client credentials exchanged for an access token) or with an access token it was given.

import type { Credentials } from "./credentials.js";
import { ProviderError } from "./protocol.js";

const TIMEOUT_MS = 30_000;

type GraphqlAnswer<T> = {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
};

export class ApiClient {
  private token: string | undefined;

  constructor(
    private readonly base: URL,
    private readonly credentials: Credentials,
  ) {}

  /** The operation's data; its GraphQL errors as one ProviderError naming the operation and the codes. */
  async request<T>(operation: string, query: string, variables: Record<string, unknown>): Promise<T> {
    const res = await this.post(`${this.base.href}graphql`, {
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await this.accessToken()}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await res.json().catch(() => ({}))) as GraphqlAnswer<T>;
    if (answer.errors?.length) {
      const problems = answer.errors.map((e) => {
        const code = e.extensions?.code ?? "ERROR";
        const field = e.extensions?.field ? ` (${e.extensions.field})` : "";
        return `${code}${field}: ${e.message}`;
      });
      const refused = res.status === 401 ? "fedicentral refused the credentials: " : "";
      throw new ProviderError(`${operation}: ${refused}${problems.join("; ")}`);
    }
    if (!res.ok || !answer.data)
      throw new ProviderError(`${operation}: fedicentral answered HTTP ${res.status}`);
    return answer.data;
  }

  private async accessToken(): Promise<string> {
    if (this.credentials.kind === "token") return this.credentials.secret();
    this.token ??= await this.clientCredentialsGrant(this.credentials.clientId, this.credentials.secret());
    return this.token;
  }

  /** RFC 6749 §4.4 with client_secret_basic, the one way fedicentral's service accounts authenticate. */
  private async clientCredentialsGrant(clientId: string, secret: string): Promise<string> {
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString(
      "base64",
    );
    const endpoint = `${this.base.href}oidc/token`;
    const res = await this.post(endpoint, {
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: "client_credentials", scope: "api" }).toString(),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok && typeof body.access_token === "string") return body.access_token;
    const error = typeof body.error === "string" ? body.error : `HTTP ${res.status}`;
    const detail = typeof body.error_description === "string" ? ` (${body.error_description})` : "";
    throw new ProviderError(
      `the token endpoint ${endpoint} refused service account ${JSON.stringify(clientId)}: ${error}${detail}`,
    );
  }

  private async post(
    url: string,
    init: { headers: Record<string, string>; body: string },
  ): Promise<Response> {
    try {
      return await fetch(url, { method: "POST", ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new ProviderError(`cannot reach ${url}: ${why}`);
    }
  }
}
