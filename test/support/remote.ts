import * as oidc from "openid-client";

/** A GraphQL answer as a client sees it. */
export type Answer = {
  data?: Record<string, any>;
  errors?: { message?: string; extensions?: { code?: string } }[];
};

/** A client-credentials token from a running server's token endpoint, as a script would get it. */
export async function tokenFrom(base: string, client: { id: string; secret: string }): Promise<string> {
  const config = await oidc.discovery(
    new URL(`${base}/oidc`),
    client.id,
    undefined,
    oidc.ClientSecretBasic(client.secret),
    { execute: [oidc.allowInsecureRequests] },
  );
  return (await oidc.clientCredentialsGrant(config, { scope: "api" })).access_token;
}

/** POSTs GraphQL to a running server with a bearer token. */
export const graphqlAt =
  (base: string) =>
  async (token: string, query: string, variables: object = {}): Promise<Answer> => {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Answer;
  };
