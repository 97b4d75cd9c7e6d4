// The explorer's own script, sent as /explorer/explorer.js (an external file: the page's CSP allows no
// inline script). It signs the person in with authorization code + PKCE against the service's OpenID
// provider, keeps the access token in sessionStorage (gone with the tab) and sends it as the bearer.
export const EXPLORER_SCRIPT = String.raw`
const config = document.querySelector('meta[name="fedicentral-explorer"]').dataset;
const STATIC = "/explorer/static/";
const KEY = "fedicentral-explorer";
const page = config.page;
const store = {
  get: (k) => sessionStorage.getItem(KEY + ":" + k),
  set: (k, v) => sessionStorage.setItem(KEY + ":" + k, v),
  drop: (...ks) => ks.forEach((k) => sessionStorage.removeItem(KEY + ":" + k)),
};
const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
let discovery;
const endpoints = async () =>
  (discovery ??= await (await fetch(config.issuer + "/.well-known/openid-configuration")).json());

async function signIn() {
  const verifier = random();
  const state = random();
  store.set("verifier", verifier);
  store.set("state", state);
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const url = new URL((await endpoints()).authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    response_type: "code",
    redirect_uri: page,
    scope: "openid profile api",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
  }).toString();
  location.assign(url.href);
}

// Back from the provider: trade the code for tokens, then take the code out of the address bar.
async function finishSignIn(params) {
  const verifier = store.get("verifier");
  const expected = store.get("state");
  store.drop("verifier", "state");
  history.replaceState(null, "", page);
  if (params.get("error")) throw new Error(params.get("error_description") || params.get("error"));
  if (!verifier || params.get("state") !== expected) throw new Error("the sign-in answer does not match its request");
  const res = await fetch((await endpoints()).token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: page,
      client_id: config.clientId,
      code_verifier: verifier,
    }),
  });
  const tokens = await res.json();
  if (!res.ok) throw new Error(tokens.error_description || tokens.error || "the token request failed");
  store.set("token", tokens.access_token);
  store.set("expires", String(Date.now() + tokens.expires_in * 1000));
  const claims = JSON.parse(atob(tokens.id_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  store.set("name", claims.name || claims.sub);
}

const token = () => {
  if (Number(store.get("expires") || 0) > Date.now()) return store.get("token");
  store.drop("token", "expires", "name");
  return null;
};

function renderBar(problem) {
  const bar = document.getElementById("explorer-bar");
  const who = document.createElement("span");
  const button = document.createElement("button");
  button.type = "button";
  if (token()) {
    who.textContent = "Signed in as " + store.get("name");
    button.textContent = "Sign out";
    button.id = "explorer-sign-out";
    button.onclick = () => {
      store.drop("token", "expires", "name");
      location.assign(page);
    };
  } else {
    who.textContent = problem ? "Sign-in failed: " + problem : "Not signed in: queries run anonymously.";
    button.textContent = "Sign in";
    button.id = "explorer-sign-in";
    button.onclick = () => void signIn();
  }
  bar.replaceChildren(who, button);
}

// Monaco's workers come from the service too, as modules.
globalThis.MonacoEnvironment = {
  getWorker(_, label) {
    const file = label === "json" ? "jsonWorker.js" : label === "graphql" ? "graphqlWorker.js" : "editorWorker.js";
    return new Worker(new URL(STATIC + file, location.href), { type: "module" });
  },
};

const params = new URLSearchParams(location.search);
let problem = null;
if (params.has("code") || params.has("error")) {
  try {
    await finishSignIn(params);
  } catch (e) {
    problem = e instanceof Error ? e.message : String(e);
  }
}
renderBar(problem);

const fetcher = async (request) => {
  const bearer = token();
  const res = await fetch("/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(bearer ? { authorization: "Bearer " + bearer } : {}),
    },
    body: JSON.stringify(request),
  });
  return res.json();
};
// A new tab starts with who is signed in.
const WHO = "{\n  me {\n    kind\n    name\n  }\n}\n";
const { React, createRoot, Ruru } = await import(STATIC + "ruru.js");
createRoot(document.getElementById("explorer-root")).render(
  React.createElement(Ruru, { fetcher, endpoint: "/graphql", defaultQuery: WHO, initialQuery: WHO }),
);
`;

/** The page's own styles (an external file too: the explorer bar, the editor filling the rest). */
export const EXPLORER_STYLE = `
html, body { margin: 0; height: 100%; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
#explorer-bar { display: flex; gap: 1em; align-items: center; justify-content: flex-end; padding: 0.4em 1em; font-size: 0.9em; }
#explorer-root { flex: 1; min-height: 0; }
`;
