// The OAuth client against answers the fake does not give on demand: how each failure of
// Calendly's token endpoint is classified, and what it sends.
import t from "tap";
import { CalendlyOAuthError, createCalendlyOAuthClient, pkcePair } from "../src/providers/calendly-oauth.js";

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

function clientAnswering(answer: Answer, sent: { url?: string; init?: RequestInit } = {}) {
  return createCalendlyOAuthClient({
    authBase: "https://auth.example/",
    clientId: "id",
    clientSecret: "secret",
    fetch: (async (url: string, init: RequestInit) => {
      sent.url = url;
      sent.init = init;
      if (answer instanceof Error) throw answer;
      return new Response(answer.body === undefined ? "" : JSON.stringify(answer.body), {
        status: answer.status,
        headers: answer.headers,
      });
    }) as typeof fetch,
  });
}

async function failure(answer: Answer): Promise<CalendlyOAuthError> {
  try {
    await clientAnswering(answer).refresh("r");
  } catch (error) {
    if (error instanceof CalendlyOAuthError) return error;
    throw error;
  }
  throw new Error("did not fail");
}

t.test("failures are classified by Calendly's error code, or by status without one", async (t) => {
  const grant = await failure({ status: 400, body: { error: "invalid_grant", error_description: "used" } });
  t.match(grant, { code: "invalid_grant", status: 400, message: "used" });
  t.ok(grant.rejected, "a refused grant: reconnecting is the only way back");
  t.match(await failure({ status: 401, body: { error: "invalid_client" } }), { code: "invalid_client" });
  t.notOk((await failure({ status: 401, body: { error: "invalid_client" } })).rejected, "not the builder's fault");
  const limited = await failure({ status: 429, headers: { "x-ratelimit-reset": "30" } });
  t.match(limited, { code: "rate_limited", retryAfterMs: 30_000 });
  t.match(await failure({ status: 503, body: "<html>" }), { code: "unavailable" });
  t.match(await failure(new TypeError("fetch failed")), { code: "unavailable", status: null });
  t.match(await failure({ status: 200, body: { access_token: "a" } }), { code: "invalid_response" });
});

t.test("requests: Basic client credentials and a form body; revocation names the client in the form", async (t) => {
  const sent: { url?: string; init?: RequestInit } = {};
  const ok = {
    status: 200,
    body: {
      access_token: "acc",
      refresh_token: "ref",
      expires_in: 7200,
      created_at: Math.floor(Date.now() / 1000),
      scope: "users:read event_types:read",
      owner: "https://api.calendly.com/users/U",
      organization: "https://api.calendly.com/organizations/O",
    },
  };
  const tokens = await clientAnswering(ok, sent).exchangeCode({
    code: "c",
    redirectUri: "https://s/cb",
    codeVerifier: "v",
  });
  t.equal(sent.url, "https://auth.example/oauth/token");
  t.equal(
    (sent.init!.headers as Record<string, string>).authorization,
    `Basic ${Buffer.from("id:secret").toString("base64")}`,
  );
  t.same(Object.fromEntries(new URLSearchParams(String(sent.init!.body))), {
    grant_type: "authorization_code",
    code: "c",
    redirect_uri: "https://s/cb",
    code_verifier: "v",
  });
  t.same(tokens.scopes, ["users:read", "event_types:read"]);
  t.ok(tokens.expiresAt.getTime() <= Date.now() + 7200_000);
  await clientAnswering({ status: 200, body: {} }, sent).revoke("tok");
  t.equal(sent.url, "https://auth.example/oauth/revoke");
  t.same(Object.fromEntries(new URLSearchParams(String(sent.init!.body))), {
    client_id: "id",
    client_secret: "secret",
    token: "tok",
  });
});

t.test("the authorize URL carries PKCE S256 and the state", async (t) => {
  const { verifier, challenge } = pkcePair();
  t.match(verifier, /^[A-Za-z0-9_-]{43}$/);
  const url = new URL(
    clientAnswering({ status: 200 }).authorizeUrl({
      redirectUri: "https://s/cb",
      state: "st",
      codeChallenge: challenge,
    }),
  );
  t.equal(url.origin + url.pathname, "https://auth.example/oauth/authorize");
  t.same(Object.fromEntries(url.searchParams), {
    client_id: "id",
    response_type: "code",
    redirect_uri: "https://s/cb",
    code_challenge_method: "S256",
    code_challenge: challenge,
    state: "st",
  });
});
