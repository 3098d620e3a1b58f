// `/oauth/*` on the fake's origin (Calendly: https://auth.calendly.com): the authorize page where
// a sandbox user signs in (picks who they are) and allows or denies the app, the token endpoint,
// revocation and introspection. Bodies are application/x-www-form-urlencoded, as Calendly's.
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyError, escapeHtml, readBody, sendHtml, sendJson } from "./http.js";
import type { OAuthResponse, OAuthServer, PendingAuthorization } from "./oauth.js";
import { BANNER, layout } from "./scheduling-page.js";
import type { FakeStore, HostRecord } from "./store.js";

export const OAUTH_PREFIX = "/oauth";

const SCOPE_TEXT: Record<string, string> = {
  "users:read": "See your name, email and scheduling link",
  "organizations:read": "See your organization and its members",
  "event_types:read": "See your event types",
  "scheduled_events:read": "See your scheduled events and their invitees",
  "scheduled_events:write": "Cancel your scheduled events",
  "webhooks:read": "See its webhook subscriptions",
  "webhooks:write": "Create and delete webhook subscriptions for your events",
};

function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, "cache-control": "no-store", "content-length": 0, "referrer-policy": "no-referrer" });
  res.end();
}

function sendOAuth(res: ServerResponse, response: OAuthResponse): void {
  sendJson(res, response.status, response.body ?? {}, response.headers ?? {});
}

export function renderOAuthErrorPage(title: string, message: string): string {
  return layout(
    title,
    `<main aria-labelledby="oauth-error">
${BANNER}
<h2 id="oauth-error">${escapeHtml(title)}</h2>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p>Nothing was shared. Go back to the application and start connecting again.</p>
</main>`,
  );
}

export function renderConsentPage(
  appName: string,
  request: PendingAuthorization,
  users: HostRecord[],
  problem?: string,
): string {
  const scopes = request.scopes
    .map((s) => `<li><code>${escapeHtml(s)}</code>: ${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`)
    .join("\n");
  const choices = users
    .map(
      (u, i) =>
        `<li><label><input type="radio" name="user" value="${escapeHtml(u.uuid)}"${i === 0 ? " required" : ""}> ${escapeHtml(u.name)} <span class="details">(${escapeHtml(u.email)})</span></label></li>`,
    )
    .join("\n");
  return layout(
    `Connect ${appName}`,
    `<main aria-labelledby="consent-title">
${BANNER}
<h2 id="consent-title">${escapeHtml(appName)} wants to connect to your Calendly account</h2>
<p>It asks to:</p>
<ul>
${scopes}
</ul>
${problem ? `<p class="error" role="alert">${escapeHtml(problem)}</p>` : ""}
<form method="post" action="${OAUTH_PREFIX}/authorize">
<input type="hidden" name="request" value="${escapeHtml(request.id)}">
<fieldset>
<legend>Sign in as</legend>
<ul class="plain">
${choices}
</ul>
</fieldset>
<button type="submit" class="primary" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</form>
<p class="gdpr">A sandbox: no real Calendly account is involved. Choosing a user stands in for signing in.</p>
</main>`,
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const text = await readBody(req, 64 * 1024);
  const type = String(req.headers["content-type"] ?? "");
  if (text.length > 0 && !/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new BodyError(415, "Send application/x-www-form-urlencoded");
  }
  return new URLSearchParams(text);
}

export const METADATA_PATH = "/.well-known/oauth-authorization-server";

/** RFC 8414 metadata, as Calendly publishes at https://calendly.com/.well-known/oauth-authorization-server. */
export function authorizationServerMetadata(origin: string, oauth: OAuthServer): Record<string, unknown> {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}${OAUTH_PREFIX}/authorize`,
    token_endpoint: `${origin}${OAUTH_PREFIX}/token`,
    revocation_endpoint: `${origin}${OAUTH_PREFIX}/revoke`,
    introspection_endpoint: `${origin}${OAUTH_PREFIX}/introspect`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    scopes_supported: [...oauth.app.scopes],
  };
}

/** Returns false when the path is not an OAuth route. */
export async function handleOAuth(
  oauth: OAuthServer,
  store: FakeStore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const method = (req.method ?? "GET").toUpperCase();
  const route = url.pathname.replace(/\/+$/, "");
  if (route === METADATA_PATH && (method === "GET" || method === "HEAD")) {
    sendJson(res, 200, authorizationServerMetadata(store.origin, oauth));
    return true;
  }
  if (route !== OAUTH_PREFIX && !route.startsWith(`${OAUTH_PREFIX}/`)) return false;

  if (route === `${OAUTH_PREFIX}/authorize` && (method === "GET" || method === "HEAD")) {
    const outcome = oauth.authorize(url.searchParams);
    if (outcome.kind === "error_page")
      sendHtml(res, outcome.status, renderOAuthErrorPage(outcome.title, outcome.message));
    else if (outcome.kind === "redirect") sendRedirect(res, outcome.location);
    else sendHtml(res, 200, renderConsentPage(oauth.app.name, outcome.request, store.allHosts()));
    return true;
  }

  if (route === `${OAUTH_PREFIX}/authorize` && method === "POST") {
    let form: URLSearchParams;
    try {
      form = await readForm(req);
    } catch (error) {
      const message = error instanceof BodyError ? error.message : "Unreadable form";
      sendHtml(res, 400, renderOAuthErrorPage("Bad request", message));
      return true;
    }
    const request = oauth.pendingRequest(form.get("request") ?? "");
    if (!request) {
      sendHtml(
        res,
        400,
        renderOAuthErrorPage("This sign-in has expired", "The authorization request is unknown, used or expired."),
      );
      return true;
    }
    const decision = form.get("decision");
    if (decision === "deny") {
      sendRedirect(res, oauth.decide(request.id, { allow: false }));
      return true;
    }
    const user = store.hostByUuid(form.get("user") ?? "");
    if (decision !== "allow" || !user) {
      const problem = decision !== "allow" ? "Choose Allow or Deny." : "Choose who to sign in as.";
      sendHtml(res, 400, renderConsentPage(oauth.app.name, request, store.allHosts(), problem));
      return true;
    }
    sendRedirect(res, oauth.decide(request.id, { allow: true, userUuid: user.uuid }));
    return true;
  }

  const endpoints: Record<string, (form: URLSearchParams, authorization: string | undefined) => OAuthResponse> = {
    [`${OAUTH_PREFIX}/token`]: (form, authorization) => oauth.token(form, authorization),
    [`${OAUTH_PREFIX}/revoke`]: (form, authorization) => oauth.revoke(form, authorization),
    [`${OAUTH_PREFIX}/introspect`]: (form, authorization) => oauth.introspect(form, authorization),
  };
  const endpoint = endpoints[route];
  if (endpoint && method === "POST") {
    let form: URLSearchParams;
    try {
      form = await readForm(req);
    } catch (error) {
      const message = error instanceof BodyError ? error.message : "Unreadable body";
      sendOAuth(res, { status: 400, body: { error: "invalid_request", error_description: message } });
      return true;
    }
    sendOAuth(res, endpoint(form, req.headers.authorization));
    return true;
  }

  sendJson(res, 404, { error: "not_found", error_description: "No such OAuth endpoint." });
  return true;
}
