import type { ClientMetadata } from "oidc-provider";
import { USER_SCOPES } from "./client-store.js";

/** The built-in public client of the GraphQL explorer at GET /graphql: no row, nothing to rotate or disable. */
export const EXPLORER_CLIENT_ID = "fedicentral-explorer";

/** Its metadata once the public URL is known: the page itself is the redirect URI. */
export function explorerClient(publicUrl: string): ClientMetadata {
  const page = `${publicUrl}/graphql`;
  return {
    client_id: EXPLORER_CLIENT_ID,
    client_name: "GraphQL explorer",
    application_type: "web",
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code"],
    response_types: ["code"],
    redirect_uris: [page],
    post_logout_redirect_uris: [page],
    scope: USER_SCOPES.filter((s) => s !== "offline_access").join(" "),
    id_token_signed_response_alg: "ES256",
  };
}
