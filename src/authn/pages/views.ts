import { Html, html, page } from "./html.js";

export type FormContext = { uid: string; csrf: string; clientName: string };

const hidden = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}" />`;

const problem = (message: string | undefined) =>
  message ? html`<p class="error" role="alert">${message}</p>` : "";

export function loginPage(f: FormContext, opts: { email?: string; error?: string } = {}): string {
  return page(
    "Sign in",
    html`<h1>Sign in</h1>
      <p class="note">to continue to <strong>${f.clientName}</strong></p>
      ${problem(opts.error)}
      <form method="post" action="/interaction/${f.uid}/login" autocomplete="on">
        ${hidden(f.csrf)}
        <label for="email">Email</label>
        <input
          id="email"
          type="email"
          name="email"
          value="${opts.email ?? ""}"
          autocomplete="username"
          required
          autofocus
        />
        <label for="password">Password</label>
        <input id="password" type="password" name="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
      <form method="post" action="/interaction/${f.uid}/abort">
        ${hidden(f.csrf)}<button class="secondary" type="submit">Cancel</button>
      </form>`,
  );
}

export function secondFactorPage(f: FormContext, opts: { error?: string } = {}): string {
  return page(
    "Verification code",
    html`<h1>Verification code</h1>
      <p class="note">Enter the six-digit code from your authenticator app, or one of your recovery codes.</p>
      ${problem(opts.error)}
      <form method="post" action="/interaction/${f.uid}/second-factor" autocomplete="off">
        ${hidden(f.csrf)}
        <label for="code">Code</label>
        <input
          id="code"
          type="text"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          required
          autofocus
        />
        <button type="submit">Verify</button>
      </form>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: "know who you are",
  profile: "see your name",
  email: "see your email address",
  // A refresh token: say plainly that it outlives this visit.
  offline_access:
    "keep a long-lived sign-in: stay signed in as you, also while you are away, until you sign out or revoke it",
  api: "use the fedicentral API as you",
};

export function consentPage(f: FormContext, scopes: string[], userName: string): string {
  const items = scopes.map((s) => html`<li>${SCOPE_TEXT[s] ?? s}</li>`);
  return page(
    "Allow access",
    html`<h1>Allow ${f.clientName}?</h1>
      <p>Signed in as <strong>${userName}</strong>. <strong>${f.clientName}</strong> asks to:</p>
      <ul>
        ${items}
      </ul>
      <form method="post" action="/interaction/${f.uid}/confirm">
        ${hidden(f.csrf)}<button type="submit">Allow</button>
      </form>
      <form method="post" action="/interaction/${f.uid}/abort">
        ${hidden(f.csrf)}<button class="secondary" type="submit">Deny</button>
      </form>`,
  );
}

export function messagePage(title: string, message: string | Html): string {
  return page(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>`,
  );
}

/** oidc-provider hands us its logout form (with its own CSRF field); we add the buttons. */
export function logoutPage(form: string, clientName: string | undefined): string {
  return page(
    "Sign out",
    html`<h1>Sign out</h1>
      <p>Sign out of fedicentral${clientName ? html` and <strong>${clientName}</strong>` : ""}?</p>
      ${new Html(form)}
      <button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
      <button class="secondary" type="submit" form="op.logoutForm">Stay signed in</button>`,
  );
}
