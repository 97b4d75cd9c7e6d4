import { createHash, randomBytes } from "node:crypto";

/**
 * Opens a sign-in page as a browser would (the authorization request with PKCE, redirects followed by
 * hand, cookies kept): the login form's action, its CSRF token and the cookies that go with it.
 */
export async function signInForm(
  base: string,
  clientId: string,
  redirectUri: string,
): Promise<{ action: string; csrf: string; cookie: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const auth = new URL(`${base}/oidc/auth`);
  auth.search = new URLSearchParams({
    client_id: clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope: "openid api",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state: randomBytes(8).toString("hex"),
  }).toString();
  const cookies = new Map<string, string>();
  let url = auth.href;
  for (let i = 0; i < 5; i++) {
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    const action = [...html.matchAll(/<form method="post" action="([^"]+)"/g)]
      .map((m) => m[1]!)
      .find((a) => a.endsWith("/login"));
    if (!csrf || !action) throw new Error(`no sign-in form at ${url} (${res.status})`);
    return {
      action: new URL(action, base).pathname,
      csrf,
      cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    };
  }
  throw new Error("too many redirects before the sign-in page");
}
