// The fake Calendly's OAuth server against Calendly's documented OAuth 2.0: the authorize page
// (errors shown, not redirected, for a wrong client or redirect URI), the consent decision, the
// token endpoint (codes: single use, 10 minutes, PKCE S256; refresh tokens: single use, rotating),
// its RFC 6749 errors, the 8-per-user-per-minute limit, and revocation.
import { sandboxUsers } from "@baw/sandbox";
import t, { type Test } from "tap";
import {
  ADA_EVENT_TYPE,
  api,
  authorizeUrl,
  basic,
  CLIENT_ID,
  CLIENT_SECRET,
  consentOverHttp,
  exchange,
  pkce,
  postForm,
  REDIRECT,
  requestId,
  startOAuthFake,
  tokensFor,
} from "./helpers/fake-calendly-oauth.js";

const ADA = sandboxUsers[0]!.uuid!;
const GRACE = sandboxUsers[1]!.uuid!;

async function fake(t: Test, extra: Parameters<typeof startOAuthFake>[0] = {}) {
  const f = await startOAuthFake(extra);
  t.teardown(() => f.close());
  return f;
}

t.test("the authorize page: sign in as a sandbox user, then Allow redirects with a code and the state", async (t) => {
  const f = await fake(t);
  const page = await fetch(authorizeUrl(f, { scope: "users:read event_types:read" }), { redirect: "manual" });
  t.equal(page.status, 200);
  t.match(page.headers.get("content-type"), /text\/html/);
  const html = await page.text();
  t.match(html, /Sign in as/);
  for (const name of ["Liam", "Ada Sandbox", "Grace Sandbox"]) t.match(html, name, `${name} can sign in`);
  t.match(html, />Allow</);
  t.match(html, />Deny</);
  t.match(html, /users:read/);
  t.notMatch(html, /webhooks:write/, "only the requested scopes are listed");

  const res = await postForm(`${f.authBase}/oauth/authorize`, {
    request: requestId(html),
    user: ADA,
    decision: "allow",
  });
  t.equal(res.status, 302);
  const location = new URL(res.headers.get("location")!);
  t.equal(`${location.origin}${location.pathname}`, REDIRECT);
  t.equal(location.searchParams.get("state"), "state-123");
  t.match(location.searchParams.get("code"), /^[0-9a-f]{64}$/);

  const again = await postForm(`${f.authBase}/oauth/authorize`, {
    request: requestId(html),
    user: ADA,
    decision: "allow",
  });
  t.equal(again.status, 400, "a consent request is answered once");
  t.equal(again.headers.get("location"), null);
});

t.test("Deny redirects with error=access_denied and the state", async (t) => {
  const f = await fake(t);
  const html = await (await fetch(authorizeUrl(f))).text();
  const res = await postForm(`${f.authBase}/oauth/authorize`, { request: requestId(html), decision: "deny" });
  t.equal(res.status, 302);
  const location = new URL(res.headers.get("location")!);
  t.equal(location.searchParams.get("error"), "access_denied");
  t.equal(location.searchParams.get("state"), "state-123");
  t.equal(location.searchParams.get("code"), null);
  t.equal(f.consent(authorizeUrl(f), "deny").includes("error=access_denied"), true, "consent() denies too");
});

t.test("Allow without choosing a user shows the page again", async (t) => {
  const f = await fake(t);
  const html = await (await fetch(authorizeUrl(f))).text();
  const res = await postForm(`${f.authBase}/oauth/authorize`, { request: requestId(html), decision: "allow" });
  t.equal(res.status, 400);
  t.equal(res.headers.get("location"), null);
  t.match(await res.text(), /Choose who to sign in as/);
  const unknown = await postForm(`${f.authBase}/oauth/authorize`, { request: "nope", user: ADA, decision: "allow" });
  t.equal(unknown.status, 400);
  t.match(await unknown.text(), /expired/);
});

t.test("a wrong client or redirect URI shows an error page and never redirects", async (t) => {
  const f = await fake(t);
  const cases: Array<[string, Record<string, string | undefined>]> = [
    ["unknown client_id", { client_id: "someone-else" }],
    ["no client_id", { client_id: undefined }],
    ["unregistered redirect_uri", { redirect_uri: "http://127.0.0.1:9/elsewhere" }],
    ["redirect_uri with a trailing slash", { redirect_uri: `${REDIRECT}/` }],
    ["redirect_uri with an extra query", { redirect_uri: `${REDIRECT}?x=1` }],
    ["no redirect_uri", { redirect_uri: undefined }],
  ];
  for (const [name, params] of cases) {
    const res = await fetch(authorizeUrl(f, params), { redirect: "manual" });
    t.equal(res.status, 400, name);
    t.equal(res.headers.get("location"), null, `${name}: no redirect`);
    t.match(await res.text(), /class="error"/, `${name}: says why`);
    t.throws(() => f.consent(authorizeUrl(f, params), { user: ADA }), /consent:/, `${name}: consent() throws`);
  }
});

t.test("other bad requests redirect with the RFC 6749 error and the state", async (t) => {
  const f = await fake(t);
  const { challenge } = pkce();
  const cases: Array<[string, Record<string, string | undefined>, string]> = [
    ["response_type=token", { response_type: "token" }, "unsupported_response_type"],
    ["no response_type", { response_type: undefined }, "unsupported_response_type"],
    ["plain PKCE", { code_challenge: challenge, code_challenge_method: "plain" }, "invalid_request"],
    ["challenge without method", { code_challenge: challenge }, "invalid_request"],
    ["short challenge", { code_challenge: "abc", code_challenge_method: "S256" }, "invalid_request"],
    ["unknown scope", { scope: "users:read calendars:write" }, "invalid_scope"],
  ];
  for (const [name, params, error] of cases) {
    const res = await fetch(authorizeUrl(f, params), { redirect: "manual" });
    t.equal(res.status, 302, name);
    const location = new URL(res.headers.get("location")!);
    t.equal(location.searchParams.get("error"), error, name);
    t.ok(location.searchParams.get("error_description"), `${name}: described`);
    t.equal(location.searchParams.get("state"), "state-123", `${name}: state kept`);
  }
});

t.test("an app registered with fewer scopes cannot be granted more", async (t) => {
  const f = await fake(t, {
    oauth: {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [REDIRECT],
      scopes: ["users:read", "scheduled_events:write"],
    },
  });
  const denied = new URL(f.consent(authorizeUrl(f, { scope: "event_types:read" }), { user: ADA }));
  t.equal(denied.searchParams.get("error"), "invalid_scope");
  const ok = new URL(f.consent(authorizeUrl(f, { scope: "users:read scheduled_events:read" }), { user: ADA }));
  t.ok(ok.searchParams.get("code"), "a :write scope covers its :read");
  const all = await tokensFor(f, ADA);
  t.equal(all.scope, "users:read scheduled_events:write", "no scope asked: the app's scopes");
});

t.test("the code exchange answers in Calendly's shape", async (t) => {
  const f = await fake(t);
  const { verifier, challenge } = pkce();
  const code = await consentOverHttp(f, ADA, {
    code_challenge: challenge,
    code_challenge_method: "S256",
    scope: "users:read event_types:read scheduled_events:write webhooks:write",
  });
  const before = Math.floor(Date.now() / 1000);
  const res = await exchange(f, {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  t.equal(res.status, 200);
  t.match(res.headers.get("content-type"), /application\/json/);
  t.equal(res.headers.get("cache-control"), "no-store");
  const ada = f.user(ADA)!;
  t.match(res.body, {
    token_type: "Bearer",
    access_token: /^[\w-]{40,}$/,
    refresh_token: /^[\w-]{40,}$/,
    scope: "users:read event_types:read scheduled_events:write webhooks:write",
    expires_in: 7200,
    owner: ada.uri,
    organization: ada.organizationUri,
  });
  t.ok((res.body.created_at as number) >= before, "created_at: unix seconds");
  t.not(ada.organizationUri, f.organizationUri, "Ada has an organization of her own");
  t.same(Object.keys(res.body).sort(), [
    "access_token",
    "created_at",
    "expires_in",
    "organization",
    "owner",
    "refresh_token",
    "scope",
    "token_type",
  ]);
  t.equal(f.tokenRequests(ada.uri).length, 1);
  t.match(f.tokenRequests(ada.uri)[0], { grantType: "authorization_code", status: 200, userUri: ada.uri });
});

t.test("client credentials: HTTP Basic or the body, and invalid_client (401) otherwise", async (t) => {
  const f = await fake(t);
  const code = () => new URL(f.consent(authorizeUrl(f), { user: GRACE })).searchParams.get("code")!;
  const inBody = await exchange(
    f,
    {
      grant_type: "authorization_code",
      code: code(),
      redirect_uri: REDIRECT,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    },
    "",
  );
  t.equal(inBody.status, 200, "client_id and client_secret in the body");

  const bad: Array<[string, string, Record<string, string>]> = [
    ["wrong secret (Basic)", basic(CLIENT_ID, "nope"), {}],
    ["unknown client (Basic)", basic("other", CLIENT_SECRET), {}],
    ["no credentials", "", {}],
    ["client_id without secret", "", { client_id: CLIENT_ID }],
    ["body and Basic disagree", basic(), { client_id: "other" }],
    ["Basic without a colon", `Basic ${Buffer.from("justid").toString("base64")}`, {}],
  ];
  for (const [name, authorization, extra] of bad) {
    const res = await exchange(
      f,
      { grant_type: "authorization_code", code: code(), redirect_uri: REDIRECT, ...extra },
      authorization,
    );
    t.equal(res.status, 401, name);
    t.equal(res.body.error, "invalid_client", name);
    t.type(res.body.error_description, "string", name);
    if (authorization.startsWith("Basic")) t.match(res.headers.get("www-authenticate"), /^Basic/, `${name}: challenge`);
  }
});

t.test("token request errors: invalid_request, unsupported_grant_type, a non-form body", async (t) => {
  const f = await fake(t);
  const cases: Array<[string, Record<string, string>, number, string]> = [
    ["no grant_type", {}, 400, "invalid_request"],
    ["password grant", { grant_type: "password" }, 400, "unsupported_grant_type"],
    ["client_credentials grant", { grant_type: "client_credentials" }, 400, "unsupported_grant_type"],
    ["no code", { grant_type: "authorization_code", redirect_uri: REDIRECT }, 400, "invalid_request"],
    ["no redirect_uri", { grant_type: "authorization_code", code: "x" }, 400, "invalid_request"],
    ["unknown code", { grant_type: "authorization_code", code: "x", redirect_uri: REDIRECT }, 400, "invalid_grant"],
    ["no refresh_token", { grant_type: "refresh_token" }, 400, "invalid_request"],
    ["unknown refresh_token", { grant_type: "refresh_token", refresh_token: "x" }, 400, "invalid_grant"],
  ];
  for (const [name, form, status, error] of cases) {
    const res = await exchange(f, form);
    t.equal(res.status, status, name);
    t.same(Object.keys(res.body).sort(), ["error", "error_description"], `${name}: OAuth error shape`);
    t.equal(res.body.error, error, name);
  }
  const json = await fetch(`${f.authBase}/oauth/token`, {
    method: "POST",
    headers: { authorization: basic(), "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "authorization_code" }),
  });
  t.equal(json.status, 400);
  t.match(await json.json(), { error: "invalid_request" });
});

t.test(
  "codes: single use (a second exchange revokes the first's tokens), 10 minutes, exact redirect_uri",
  async (t) => {
    const f = await fake(t);
    const code = new URL(f.consent(authorizeUrl(f), { user: ADA })).searchParams.get("code")!;
    const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT };
    const first = await exchange(f, form);
    t.equal(first.status, 200);
    const token = first.body.access_token as string;
    t.equal((await api(f, token, "/users/me")).status, 200);
    const second = await exchange(f, form);
    t.equal(second.status, 400);
    t.equal(second.body.error, "invalid_grant");
    t.equal((await api(f, token, "/users/me")).status, 401, "what the code gave is revoked");

    const late = new URL(f.consent(authorizeUrl(f), { user: ADA })).searchParams.get("code")!;
    f.advanceClock(10 * 60 * 1000 + 1);
    const expired = await exchange(f, { grant_type: "authorization_code", code: late, redirect_uri: REDIRECT });
    t.equal(expired.status, 400);
    t.equal(expired.body.error, "invalid_grant", "a code lives 10 minutes");

    const fresh = new URL(f.consent(authorizeUrl(f), { user: ADA })).searchParams.get("code")!;
    const mismatch = await exchange(f, {
      grant_type: "authorization_code",
      code: fresh,
      redirect_uri: "http://127.0.0.1:9/other",
    });
    t.equal(mismatch.status, 400);
    t.equal(mismatch.body.error, "invalid_grant", "redirect_uri must match the authorize request's");
    const nine = new URL(f.consent(authorizeUrl(f), { user: ADA })).searchParams.get("code")!;
    f.advanceClock(9 * 60 * 1000);
    t.equal((await exchange(f, { grant_type: "authorization_code", code: nine, redirect_uri: REDIRECT })).status, 200);
  },
);

t.test("PKCE S256: the code_verifier must match the challenge", async (t) => {
  const f = await fake(t);
  const { verifier, challenge } = pkce();
  const codeFor = () =>
    new URL(
      f.consent(authorizeUrl(f, { code_challenge: challenge, code_challenge_method: "S256" }), { user: ADA }),
    ).searchParams.get("code")!;
  const missing = await exchange(f, { grant_type: "authorization_code", code: codeFor(), redirect_uri: REDIRECT });
  t.equal(missing.body.error, "invalid_grant", "no verifier");
  const wrong = await exchange(f, {
    grant_type: "authorization_code",
    code: codeFor(),
    redirect_uri: REDIRECT,
    code_verifier: pkce().verifier,
  });
  t.equal(wrong.status, 400);
  t.equal(wrong.body.error, "invalid_grant", "another verifier");
  const right = await exchange(f, {
    grant_type: "authorization_code",
    code: codeFor(),
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  t.equal(right.status, 200);
});

t.test("refresh tokens are single use and rotate; reuse fails with invalid_grant", async (t) => {
  const f = await fake(t);
  const first = await tokensFor(f, ADA, { scope: "users:read event_types:read" });
  const refreshed = await exchange(f, { grant_type: "refresh_token", refresh_token: first.refresh_token });
  t.equal(refreshed.status, 200);
  t.match(refreshed.body, { token_type: "Bearer", expires_in: 7200, owner: first.owner, scope: first.scope });
  t.not(refreshed.body.refresh_token, first.refresh_token, "a new refresh token");
  t.not(refreshed.body.access_token, first.access_token, "a new access token");

  const reused = await exchange(f, { grant_type: "refresh_token", refresh_token: first.refresh_token });
  t.equal(reused.status, 400);
  t.equal(reused.body.error, "invalid_grant");
  t.match(reused.body.error_description, /already been used/);

  // Calendly documents only the failure: the newest tokens keep working.
  t.equal((await api(f, refreshed.body.access_token as string, "/users/me")).status, 200);
  const next = await exchange(f, {
    grant_type: "refresh_token",
    refresh_token: refreshed.body.refresh_token as string,
  });
  t.equal(next.status, 200);

  const narrower = await exchange(f, {
    grant_type: "refresh_token",
    refresh_token: next.body.refresh_token as string,
    scope: "users:read",
  });
  t.equal(narrower.body.scope, "users:read", "a refresh may narrow the scope");
  const wider = await exchange(f, {
    grant_type: "refresh_token",
    refresh_token: narrower.body.refresh_token as string,
    scope: "webhooks:write",
  });
  t.equal(wider.body.error, "invalid_scope", "never widen it");
});

t.test("refreshReuse revoke_grant: a reused refresh token revokes the whole grant", async (t) => {
  const f = await fake(t, {
    oauth: {
      clientId: "test-client",
      clientSecret: "test-secret",
      redirectUris: [REDIRECT],
      refreshReuse: "revoke_grant",
    },
  });
  const first = await tokensFor(f, ADA);
  const second = await exchange(f, { grant_type: "refresh_token", refresh_token: first.refresh_token });
  t.equal((await exchange(f, { grant_type: "refresh_token", refresh_token: first.refresh_token })).status, 400);
  t.equal((await api(f, second.body.access_token as string, "/users/me")).status, 401, "newest access token revoked");
  const later = await exchange(f, { grant_type: "refresh_token", refresh_token: second.body.refresh_token as string });
  t.equal(later.body.error, "invalid_grant", "newest refresh token revoked");
});

t.test("8 token requests per user per minute, then 429; other users keep their budget", async (t) => {
  const f = await fake(t);
  let tokens = await tokensFor(f, ADA);
  for (let i = 0; i < 7; i++) {
    const res = await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
    t.equal(res.status, 200, `request ${i + 2}`);
    tokens = res.body as unknown as typeof tokens;
  }
  const limited = await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
  t.equal(limited.status, 429);
  t.equal(limited.body.error, "too_many_requests");
  t.equal(limited.headers.get("retry-after"), "60");
  t.ok(await tokensFor(f, GRACE), "Grace is not limited by Ada's requests");
  f.advanceClock(60_000);
  const after = await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
  t.equal(after.status, 200, "the refused refresh token was not used up");
  const log = f.tokenRequests(f.user(ADA)!.uri);
  t.equal(log.length, 10);
  t.same(
    log.map((e) => e.status),
    [200, 200, 200, 200, 200, 200, 200, 200, 429, 200],
  );
  t.equal(f.tokenRequests().length, 11, "every request, Grace's included");
  await exchange(f, { grant_type: "refresh_token", refresh_token: "unknown" });
  t.match(f.tokenRequests().at(-1), { userUri: null, status: 400, error: "invalid_grant" });
});

t.test("revocation: 200, then the grant's access and refresh tokens are dead", async (t) => {
  const f = await fake(t);
  const tokens = await tokensFor(f, ADA);
  const revoke = (form: Record<string, string>, authorization = basic()) =>
    postForm(`${f.authBase}/oauth/revoke`, form, authorization ? { authorization } : {});

  const missing = await revoke({});
  t.equal(missing.status, 400);
  t.match(await missing.json(), { error: "invalid_request" });
  const badClient = await revoke({ token: tokens.access_token }, basic(CLIENT_ID, "wrong"));
  t.equal(badClient.status, 401);
  t.match(await badClient.json(), { error: "invalid_client" });
  t.equal((await api(f, tokens.access_token, "/users/me")).status, 200, "a refused revocation revokes nothing");

  const ok = await revoke({ token: tokens.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, "");
  t.equal(ok.status, 200);
  const me = await api(f, tokens.access_token, "/users/me");
  t.equal(me.status, 401);
  t.same(me.body, { title: "Unauthenticated", message: "The access token is invalid" });
  const refresh = await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
  t.equal(refresh.body.error, "invalid_grant");
  t.equal((await revoke({ token: "never-issued" })).status, 200, "an unknown token is no error (RFC 7009)");
});

t.test("access tokens live 2 hours; refresh tokens outlive them", async (t) => {
  const f = await fake(t);
  const tokens = await tokensFor(f, ADA);
  f.advanceClock(2 * 3600 * 1000 - 1000);
  t.equal((await api(f, tokens.access_token, "/users/me")).status, 200);
  f.advanceClock(1000);
  const expired = await api(f, tokens.access_token, "/users/me");
  t.equal(expired.status, 401);
  t.same(expired.body, { title: "Unauthenticated", message: "The access token is invalid" });
  const refreshed = await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
  t.equal(refreshed.status, 200);
  t.equal((await api(f, refreshed.body.access_token as string, "/users/me")).status, 200);

  t.equal(f.expireAccessTokens(f.user(ADA)!.uri), 1, "expireAccessTokens: the live one");
  t.equal((await api(f, refreshed.body.access_token as string, "/users/me")).status, 401);
});

t.test("revokeTokens(user): every grant of that user, no one else's", async (t) => {
  const f = await fake(t);
  const ada = await tokensFor(f, ADA);
  const ada2 = await tokensFor(f, ADA);
  const grace = await tokensFor(f, GRACE);
  t.equal(f.revokeTokens(f.user(ADA)!.uri), 2);
  t.equal((await api(f, ada.access_token, "/users/me")).status, 401);
  t.equal((await api(f, ada2.access_token, "/users/me")).status, 401);
  t.equal(
    (await exchange(f, { grant_type: "refresh_token", refresh_token: ada.refresh_token })).body.error,
    "invalid_grant",
  );
  t.equal((await api(f, grace.access_token, "/users/me")).status, 200);
  t.throws(() => f.revokeTokens("https://nowhere.example/users/x"), /No sandbox user/);
});

t.test("the OAuth endpoints answer only their methods", async (t) => {
  const f = await fake(t);
  const res = await fetch(`${f.authBase}/oauth/token`);
  t.equal(res.status, 404);
  t.match(await res.json(), { error: "not_found" });
  t.equal((await fetch(`${f.authBase}/oauth`)).status, 404);
  t.ok(ADA_EVENT_TYPE);
});

t.test("faults on the OAuth endpoints answer in the OAuth shape", async (t) => {
  const f = await fake(t);
  const tokens = await tokensFor(f, ADA);
  f.faults.next({ path: /^\/oauth\/token$/, status: 429, resetSeconds: 7 });
  f.faults.next({ path: /^\/oauth\/token$/, status: 503 });
  const limited = await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
  t.equal(limited.status, 429);
  t.equal(limited.body.error, "too_many_requests");
  t.equal(limited.headers.get("retry-after"), "7");
  const down = await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
  t.equal(down.status, 503);
  t.equal(down.body.error, "server_error");
  const ok = await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
  t.equal(ok.status, 200, "a faulted request used nothing up");
});

t.test("introspection: active tokens say whose they are, dead ones only active: false", async (t) => {
  const f = await fake(t);
  const ada = f.user(ADA)!;
  const tokens = await tokensFor(f, ADA, { scope: "users:read" });
  const introspect = async (token: string, authorization = basic()) => {
    const res = await postForm(`${f.authBase}/oauth/introspect`, { token }, authorization ? { authorization } : {});
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const live = await introspect(tokens.access_token);
  t.equal(live.status, 200);
  t.match(live.body, {
    active: true,
    scope: "users:read",
    client_id: CLIENT_ID,
    token_type: "Bearer",
    owner: ada.uri,
    organization: ada.organizationUri,
  });
  t.equal((live.body.exp as number) - (live.body.iat as number), 7200);
  t.match((await introspect(tokens.refresh_token)).body, { active: true, token_type: "refresh_token" });
  t.same((await introspect("unknown")).body, { active: false });
  t.equal((await introspect(tokens.access_token, basic(CLIENT_ID, "wrong"))).status, 401);
  const missing = await postForm(`${f.authBase}/oauth/introspect`, {}, { authorization: basic() });
  t.equal(missing.status, 400);
  await exchange(f, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
  t.same((await introspect(tokens.refresh_token)).body, { active: false }, "a used refresh token");
  f.advanceClock(7200 * 1000);
  t.same((await introspect(tokens.access_token)).body, { active: false }, "an expired access token");
});

t.test("the authorization server metadata (RFC 8414) names the endpoints", async (t) => {
  const f = await fake(t);
  const res = await fetch(`${f.url}/.well-known/oauth-authorization-server`);
  t.equal(res.status, 200);
  t.match(await res.json(), {
    issuer: f.authBase,
    authorization_endpoint: `${f.authBase}/oauth/authorize`,
    token_endpoint: `${f.authBase}/oauth/token`,
    revocation_endpoint: `${f.authBase}/oauth/revoke`,
    introspection_endpoint: `${f.authBase}/oauth/introspect`,
    code_challenge_methods_supported: ["S256"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    scopes_supported: f.oauthApp.scopes,
  });
});
