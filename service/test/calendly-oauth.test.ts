// Builders connect their own Calendly through OAuth, against the sandbox's fake Calendly: the
// partner routes and the callback, every consent failure, bookings verified and cancelled with the
// owning builder's token, refresh (expired, rejected, concurrent), disconnecting, the health
// check, and no token in any answer or log line.

import { randomBytes } from "node:crypto";
import t from "tap";
import { runAdmin } from "../src/cli/admin.js";
import { runDoctor } from "../src/cli/doctor-checks.js";
import { developmentTokenKey } from "../src/config.js";
import { openToken } from "../src/domain/calendly-connections/client.js";
import { checkConnections } from "../src/domain/calendly-connections/subscriptions.js";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import type { OAuthTokens } from "../src/providers/calendly-oauth.js";
import { buildTestApp, reportBooking, type TestApp, testMetricsToken, visitor, waitForStatus } from "./helpers/app.js";
import { recordSecrets } from "./helpers/log-scan.js";
import { suiteLogDir } from "./helpers/suite-logs.js";

const RETURN = "https://market.example/onboard";
const lines: string[] = [];
/** Every token Calendly's token endpoint gave the service in this file. */
const issued: string[] = [];
let h: TestApp;
let key = "";

/** Records every token the service receives, to look for them in answers and logs. */
function spyOnTokens(app: TestApp) {
  const oauth = app.app.providers.calendlyOAuth!;
  const keep = (tokens: OAuthTokens) => {
    issued.push(tokens.accessToken, tokens.refreshToken);
    return tokens;
  };
  const exchange = oauth.exchangeCode.bind(oauth);
  const refresh = oauth.refresh.bind(oauth);
  oauth.exchangeCode = async (input) => keep(await exchange(input));
  oauth.refresh = async (token) => keep(await refresh(token));
}

t.before(async () => {
  h = await buildTestApp({ logger: { level: "debug", stream: { write: (line) => void lines.push(line) } } });
  spyOnTokens(h);
  key = (
    await issuePartnerKey(h.db.prisma, {
      name: "onboarding",
      scopes: ["builders:read", "builders:write", "bookings:write"],
      returnUrlAllowlist: ["https://market.example/onboard", "https://market.example/book"],
    })
  ).key;
});
t.teardown(async () => {
  await h?.close();
  recordSecrets(suiteLogDir, issued);
});

const auth = () => ({ authorization: `Bearer ${key}` });

let counter = 0;
async function newBuilder(app = h): Promise<{ id: string; slug: string }> {
  counter++;
  const res = await app.app.inject({
    method: "POST",
    url: "/v1/partner/builders",
    headers: auth(),
    payload: { slug: `oauth-builder-${counter}`, name: `OAuth Builder ${counter}`, headline: "Builds things" },
  });
  if (res.statusCode !== 201) throw new Error(`builder: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function startConnect(builderId: string, app = h) {
  const res = await app.app.inject({
    method: "POST",
    url: `/v1/partner/builders/${builderId}/calendly/connect`,
    headers: auth(),
    payload: { returnUrl: RETURN },
  });
  if (res.statusCode !== 200) throw new Error(`connect: ${res.statusCode} ${res.body}`);
  return res.json() as { authorizeUrl: string; expiresAt: string };
}

function callback(location: string, app = h) {
  const url = new URL(location);
  return app.app.inject({ method: "GET", url: `${url.pathname}${url.search}` });
}

/** Where the callback sent the browser: the partner's page and its query. */
function landed(res: { statusCode: number; headers: Record<string, unknown> }) {
  if (res.statusCode !== 303) throw new Error(`callback answered ${res.statusCode}`);
  const url = new URL(String(res.headers.location));
  return { page: `${url.origin}${url.pathname}`, query: Object.fromEntries(url.searchParams) };
}

/** The whole consent as the builder goes through it, allowing access as `user`. */
async function connect(builderId: string, user = "ada-sandbox", app = h) {
  const { authorizeUrl } = await startConnect(builderId, app);
  return callback(app.calendly.consent(authorizeUrl, { user }), app);
}

let userCounter = 0;
/** A Calendly account of its own for one test (each user has its own token-request budget). */
function newCalendlyUser(app = h) {
  userCounter++;
  return app.calendly.addUser({
    slug: `host-${userCounter}`,
    name: `Host Number${userCounter}`,
    email: `host.${userCounter}@calendly.example`,
    eventTypes: [{ slug: "session", name: "Session", durationMinutes: 45 }],
  });
}

const ada = () => h.calendly.user("ada-sandbox")!;
const grace = () => h.calendly.user("grace-sandbox")!;

async function getBuilder(id: string) {
  const res = await h.app.inject({ method: "GET", url: `/v1/partner/builders/${id}`, headers: auth() });
  return { status: res.statusCode, body: res.json(), raw: res.body };
}

async function attach(builderId: string, eventTypeUri: string, app = h) {
  return app.app.inject({
    method: "POST",
    url: `/v1/partner/builders/${builderId}/session-types`,
    headers: auth(),
    payload: { calendlyEventTypeUri: eventTypeUri, price: { amount: 9000, currency: "usd" } },
  });
}

async function bookingConfig(builderId: string) {
  return (
    await h.app.inject({ method: "GET", url: `/v1/builders/${builderId}/booking-config`, headers: h.siteHeaders })
  ).json();
}

t.test("a builder connects their Calendly: stored encrypted, shown without a token, subscribed", async (t) => {
  const builder = await newBuilder();
  const { authorizeUrl } = await startConnect(builder.id);
  const authorize = new URL(authorizeUrl);
  t.equal(`${authorize.origin}`, new URL(h.calendly.authBase).origin, "Calendly's consent page");
  t.equal(authorize.searchParams.get("code_challenge_method"), "S256", "PKCE");
  t.equal(authorize.searchParams.get("redirect_uri"), `${h.url}/oauth/calendly/callback`);
  const res = await callback(h.calendly.consent(authorizeUrl, { user: "ada-sandbox" }));
  t.same(landed(res), { page: RETURN, query: { calendly: "connected" } });

  const view = await getBuilder(builder.id);
  t.equal(view.status, 200);
  t.match(view.body.calendly, {
    mode: "oauth",
    connected: true,
    user: { uri: ada().uri, name: "Ada Sandbox" },
    webhook: { state: "active" },
  });
  t.ok(view.body.calendly.scopes.includes("scheduled_events:write"));
  t.same(
    view.body.calendly.eventTypes.map((e: { name: string }) => e.name).sort(),
    ["Code review", "Pairing session"],
    "the builder's own event types, read with their token",
  );
  for (const token of issued) t.notOk(view.raw.includes(token), "no token in the builder view");

  const row = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  for (const token of issued) {
    t.notOk(row.accessTokenCiphertext.includes(token) || row.refreshTokenCiphertext.includes(token), "encrypted");
  }
  t.equal(row.tokenKeyId, "dev", "the sandbox's development key, named beside the ciphertext");
  const subs = h.calendly.webhookSubscriptions.filter((s) => s.user === ada().uri && s.state === "active");
  t.equal(subs.length, 1, "one user-scoped subscription");
  t.match(subs[0], { scope: "user", callback_url: `${h.url}/webhooks/calendly`, uri: row.webhookSubscriptionUri });
});

t.test(
  "a session type attached to the builder's event type is booked, verified and cancelled with their token",
  async (t) => {
    const builder = await newBuilder();
    t.match(landed(await connect(builder.id)).query, { calendly: "connected" });
    const pairing = ada().eventTypes.find((e) => e.slug === "pairing-session")!;

    const foreign = await attach(builder.id, h.calendly.user("liam")?.eventTypes[0]?.uri ?? grace().eventTypes[0]!.uri);
    t.equal(foreign.statusCode, 422, "another user's event type is refused");
    t.match(foreign.json(), { error: "event_type_invalid", field: "calendlyEventTypeUri" });

    const res = await attach(builder.id, pairing.uri);
    t.equal(res.statusCode, 201, res.body);
    t.match(res.json(), { name: "Pairing session", durationMinutes: 60, calendlyEventTypeUri: pairing.uri });
    const config = await bookingConfig(builder.id);
    t.equal(config.state, "bookable");

    const attempt = await h.app.inject({
      method: "POST",
      url: "/v1/booking-attempts",
      headers: h.siteHeaders,
      payload: { builder: builder.id, returnUrl: "https://market.example/book" },
    });
    t.equal(attempt.statusCode, 201, attempt.body);
    const { attemptId, calendlyUrl } = attempt.json();
    t.equal(new URL(calendlyUrl).pathname, new URL(pairing.schedulingUrl).pathname, "the event type's own page");

    const adaCallsBefore = h.calendly.callsBy(ada().uri).length;
    const ownerCallsBefore = h.calendly.callsBy(h.calendly.userUri).length;
    const who = visitor("Oauth");
    const scheduled = await h.calendly.schedule({ eventTypeUuid: pairing.uuid, ...who, utmContent: attemptId });
    const booked = await reportBooking(h, { attemptId, ...scheduled });
    t.ok([200, 201].includes(booked.statusCode), booked.body);
    const verification = h.calendly.callsBy(ada().uri).slice(adaCallsBefore);
    t.ok(
      verification.some((r) => r.path.includes(`/scheduled_events/${scheduled.eventUri.split("/").pop()}`)),
      "the event was read with the builder's token",
    );
    t.equal(h.calendly.callsBy(h.calendly.userUri).length, ownerCallsBefore, "not with the operator's token");

    const { bookingId, checkoutUrl } = booked.json();
    await h.stripe.expire(checkoutUrl.split("/").pop());
    await waitForStatus(h, bookingId, "EXPIRED");
    const cancelled = h.calendly
      .callsBy(ada().uri)
      .filter((r) => r.method === "POST" && r.path.endsWith("/cancellation"));
    t.equal(cancelled.length, 1, "the unpaid hold was released with the builder's token");
    t.equal(h.calendly.event(scheduled.eventUri)!.status, "canceled");
  },
);

t.test("a booking only Calendly's webhook reports arrives through the builder's own subscription", async (t) => {
  const builder = await newBuilder();
  const host = newCalendlyUser();
  await connect(builder.id, host.slug);
  const created = await attach(builder.id, host.eventTypes[0]!.uri);
  t.equal(created.statusCode, 201);
  const before = h.calendly.deliveries.length;
  // Scheduled on the page without an attempt (the widget never reported it).
  const scheduled = await h.calendly.schedule({ eventTypeUuid: host.eventTypes[0]!.uuid, ...visitor("Hooked") });
  await h.calendly.flushWebhooks();
  const delivered = h.calendly.deliveries.slice(before);
  t.ok(delivered.length > 0, "Calendly delivered invitee.created");
  const booking = await h.db.prisma.booking.findUnique({ where: { calendlyInviteeUri: scheduled.inviteeUri } });
  t.match(booking, { builderId: builder.id, sessionTypeId: created.json().id, status: "PENDING_PAYMENT" });
  const refused = await h.db.prisma.webhookDelivery.count({
    where: { provider: "CALENDLY", signature: { not: "VALID" } },
  });
  t.equal(refused, 0, "signed with the app's one key, which the service verifies");
});

t.test("consent failures: each a redirect with its reason, or a 400 without a usable state", async (t) => {
  const builder = await newBuilder();
  const before = await h.db.prisma.builder.findUniqueOrThrow({ where: { id: builder.id } });

  await t.test("denied", async (t) => {
    const { authorizeUrl } = await startConnect(builder.id);
    const res = await callback(h.calendly.consent(authorizeUrl, "deny"));
    t.same(landed(res), { page: RETURN, query: { calendly: "error", reason: "consent_denied" } });
  });

  await t.test("replayed state", async (t) => {
    const { authorizeUrl } = await startConnect(builder.id);
    const location = h.calendly.consent(authorizeUrl, "deny");
    await callback(location);
    t.same(landed(await callback(location)).query, { calendly: "error", reason: "state_used" });
  });

  await t.test("expired state", async (t) => {
    const { authorizeUrl } = await startConnect(builder.id);
    await h.db.prisma.calendlyOAuthState.updateMany({
      where: { builderId: builder.id, usedAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const res = await callback(h.calendly.consent(authorizeUrl, { user: "grace-sandbox" }));
    t.same(landed(res).query, { calendly: "error", reason: "state_expired" });
  });

  await t.test("unknown or missing state: 400, nowhere to return to", async (t) => {
    const unknown = await h.app.inject({ method: "GET", url: "/oauth/calendly/callback?state=forged&code=abc" });
    t.equal(unknown.statusCode, 400);
    t.match(unknown.json(), { error: "validation_error", field: "state" });
    const missing = await h.app.inject({ method: "GET", url: "/oauth/calendly/callback?code=abc" });
    t.equal(missing.statusCode, 400);
  });

  await t.test("a code used once, presented again with another state", async (t) => {
    const first = await startConnect(builder.id);
    const code = new URL(h.calendly.consent(first.authorizeUrl, { user: "grace-sandbox" })).searchParams.get("code")!;
    const second = await startConnect(builder.id);
    const secondState = new URL(second.authorizeUrl).searchParams.get("state")!;
    const res = await h.app.inject({
      method: "GET",
      url: `/oauth/calendly/callback?code=${code}&state=${secondState}`,
    });
    t.same(landed(res).query, { calendly: "error", reason: "code_rejected" });
  });

  await t.test("the token request names another redirect_uri than the authorization did", async (t) => {
    const oauth = h.config.calendly.oauth!;
    const { authorizeUrl } = await startConnect(builder.id);
    const location = h.calendly.consent(authorizeUrl, { user: "grace-sandbox" });
    oauth.redirectUri = `${h.url}/elsewhere`;
    try {
      t.same(landed(await callback(location)).query, { calendly: "error", reason: "code_rejected" });
    } finally {
      delete oauth.redirectUri;
    }
  });

  await t.test("Calendly's token endpoint limits the user (429)", async (t) => {
    const { authorizeUrl } = await startConnect(builder.id);
    const location = h.calendly.consent(authorizeUrl, { user: "grace-sandbox" });
    h.calendly.faults.next({ path: /^\/oauth\/token/, status: 429, resetSeconds: 30 });
    t.same(landed(await callback(location)).query, { calendly: "error", reason: "calendly_rate_limited" });
  });

  await t.test("a returnUrl off the key's allowlist is refused before anything is stored", async (t) => {
    const res = await h.app.inject({
      method: "POST",
      url: `/v1/partner/builders/${builder.id}/calendly/connect`,
      headers: auth(),
      payload: { returnUrl: "https://evil.example/steal" },
    });
    t.equal(res.statusCode, 400);
    t.match(res.json(), { field: "returnUrl" });
  });

  const after = await h.db.prisma.builder.findUniqueOrThrow({ where: { id: builder.id } });
  t.same(after, before, "the builder's data is intact");
  t.equal(await h.db.prisma.calendlyConnection.count({ where: { builderId: builder.id } }), 0, "no connection");
});

t.test("an expired access token is refreshed once for concurrent calls, and the new one stored first", async (t) => {
  const builder = await newBuilder();
  await connect(builder.id, "grace-sandbox");
  const graceUri = grace().uri;
  const refreshesBefore = h.calendly.tokenRequests(graceUri).filter((r) => r.grantType === "refresh_token").length;
  const stored = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  h.calendly.expireAccessTokens(graceUri);
  const views = await Promise.all([getBuilder(builder.id), getBuilder(builder.id), getBuilder(builder.id)]);
  for (const v of views) t.equal(v.body.calendly.eventTypes?.length, 1, "each call succeeded after the refresh");
  const refreshes = h.calendly.tokenRequests(graceUri).filter((r) => r.grantType === "refresh_token");
  t.equal(refreshes.length - refreshesBefore, 1, "one refresh for all of them");
  t.ok(
    refreshes.every((r) => r.status === 200),
    "no refresh token was reused",
  );
  const after = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  t.not(after.refreshTokenCiphertext, stored.refreshTokenCiphertext, "the rotated refresh token was stored");
  t.ok(after.refreshedAt);
});

t.test("Calendly limits the token endpoint during a refresh: 429 for the booking, the connection kept", async (t) => {
  const builder = await newBuilder();
  const host = newCalendlyUser();
  await connect(builder.id, host.slug);
  t.equal((await attach(builder.id, host.eventTypes[0]!.uri)).statusCode, 201);
  h.calendly.disableWebhookSubscription(host.uri);
  const attempt = await h.app.inject({
    method: "POST",
    url: "/v1/booking-attempts",
    headers: h.siteHeaders,
    payload: { builder: builder.id, returnUrl: "https://market.example/book" },
  });
  const { attemptId } = attempt.json();
  const scheduled = await h.calendly.schedule({
    eventTypeUuid: host.eventTypes[0]!.uuid,
    ...visitor("Limited"),
    utmContent: attemptId,
  });
  await h.db.prisma.calendlyConnection.update({
    where: { builderId: builder.id },
    data: { accessTokenExpiresAt: new Date(Date.now() - 1000) },
  });
  h.calendly.faults.next({ path: /^\/oauth\/token/, status: 429, resetSeconds: 20 });
  const res = await reportBooking(h, { attemptId, ...scheduled });
  t.equal(res.statusCode, 429, res.body);
  t.match(res.json(), { error: "calendly_rate_limited", retryable: true });
  const row = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  t.equal(row.status, "CONNECTED", "a limit is not a refusal: the grant is kept");
  const retry = await reportBooking(h, { attemptId, ...scheduled });
  t.ok([200, 201].includes(retry.statusCode), `the retry succeeds: ${retry.body}`);
});

t.test(
  "a refused refresh (grant revoked in Calendly) disconnects the builder: unavailable, 409 mid-booking",
  async (t) => {
    const builder = await newBuilder();
    const host = newCalendlyUser();
    await connect(builder.id, host.slug);
    const architecture = host.eventTypes[0]!;
    // No invitee.created: the widget's report is what creates this booking.
    h.calendly.disableWebhookSubscription(host.uri);
    t.equal((await attach(builder.id, architecture.uri)).statusCode, 201);
    const attempt = await h.app.inject({
      method: "POST",
      url: "/v1/booking-attempts",
      headers: h.siteHeaders,
      payload: { builder: builder.id, returnUrl: "https://market.example/book" },
    });
    const { attemptId } = attempt.json();
    const scheduled = await h.calendly.schedule({
      eventTypeUuid: architecture.uuid,
      ...visitor("Revoked"),
      utmContent: attemptId,
    });
    h.calendly.revokeTokens(host.uri);

    const res = await reportBooking(h, { attemptId, ...scheduled });
    t.equal(res.statusCode, 409, res.body);
    t.match(res.json(), { error: "calendly_disconnected" });
    const row = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
    t.match(row, { status: "DISCONNECTED", statusReason: "refresh_rejected", accessTokenCiphertext: "" });
    const config = await bookingConfig(builder.id);
    t.match(config, { state: "unavailable", reason: /disconnected/, reasonCode: "calendly_disconnected" });
    const view = await getBuilder(builder.id);
    t.match(view.body.calendly, { connected: false, reason: "calendly_disconnected", eventTypes: null });
    const again = await h.app.inject({
      method: "POST",
      url: "/v1/booking-attempts",
      headers: h.siteHeaders,
      payload: { builder: builder.id, returnUrl: "https://market.example/book" },
    });
    t.equal(again.statusCode, 409, "no new booking attempts");
    const metrics = await h.app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${testMetricsToken}` },
    });
    t.match(metrics.body, /baw_calendly_token_refreshes_total\{outcome="rejected"\} [1-9]/);
    t.match(metrics.body, /baw_calendly_disconnections_total\{reason="refresh_rejected"\} [1-9]/);

    // Connecting again makes the builder bookable again.
    t.match(landed(await connect(builder.id, host.slug)).query, { calendly: "connected" });
    t.equal((await bookingConfig(builder.id)).state, "bookable");
  },
);

t.test("the health check recreates a disabled subscription and finds revoked grants", async (t) => {
  const builder = await newBuilder();
  const host = newCalendlyUser();
  await connect(builder.id, host.slug);
  const before = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  h.calendly.disableWebhookSubscription(before.webhookSubscriptionUri!);
  const report = await checkConnections(h.ctx);
  t.ok(report.recreated >= 1, "recreated");
  const after = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  t.not(after.webhookSubscriptionUri, before.webhookSubscriptionUri, "a new subscription");
  const live = h.calendly.webhookSubscriptions.find((s) => s.uri === after.webhookSubscriptionUri);
  t.match(live, { state: "active", scope: "user" });
  t.notOk(
    h.calendly.webhookSubscriptions.some((s) => s.uri === before.webhookSubscriptionUri),
    "the disabled one was deleted",
  );

  h.calendly.revokeTokens(host.uri);
  const second = await checkConnections(h.ctx);
  t.ok(second.disconnected >= 1, "the revoked grant was found");
  t.equal(
    (await h.db.prisma.builder.findUniqueOrThrow({ where: { id: builder.id } })).calendlyConnectionStatus,
    "DISCONNECTED",
  );
});

t.test("connecting again replaces the grant and revokes the old one", async (t) => {
  const builder = await newBuilder();
  const host = newCalendlyUser();
  await connect(builder.id, host.slug);
  const oldAccess = issued.at(-2)!;
  t.match(landed(await connect(builder.id, host.slug)).query, { calendly: "connected" });
  const probe = (token: string) =>
    fetch(`${h.calendly.apiBase}/users/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  t.equal(await probe(oldAccess), 401, "the replaced grant no longer works");
  t.equal(await probe(issued.at(-2)!), 200, "the new one does");
  t.equal(
    h.calendly.webhookSubscriptions.filter((s) => s.user === host.uri && s.state === "active").length,
    1,
    "still one subscription",
  );
});

t.test("DELETE disconnects: subscription deleted, tokens revoked, builder unavailable", async (t) => {
  const builder = await newBuilder();
  const host = newCalendlyUser();
  await connect(builder.id, host.slug);
  const row = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  const res = await h.app.inject({
    method: "DELETE",
    url: `/v1/partner/builders/${builder.id}/calendly`,
    headers: auth(),
  });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), {
    connected: false,
    reason: "calendly_disconnected",
    disconnectReason: "disconnected_by_partner",
  });
  t.notOk(
    h.calendly.webhookSubscriptions.some((s) => s.uri === row.webhookSubscriptionUri),
    "subscription deleted",
  );
  const probe = await fetch(`${h.calendly.apiBase}/users/me`, {
    headers: { authorization: `Bearer ${issued.at(-2)}` },
  });
  t.equal(probe.status, 401, "the access token no longer works in Calendly");
  t.equal((await bookingConfig(builder.id)).state, "unavailable");
  const again = await h.app.inject({
    method: "DELETE",
    url: `/v1/partner/builders/${builder.id}/calendly`,
    headers: auth(),
  });
  t.equal(again.statusCode, 404);
  t.match(again.json(), { error: "calendly_not_connected" });
});

t.test("a token under a key no longer configured: a clear 4xx, the connection kept", async (t) => {
  const builder = await newBuilder();
  await connect(builder.id, newCalendlyUser().slug);
  await h.db.prisma.calendlyConnection.update({ where: { builderId: builder.id }, data: { tokenKeyId: "retired" } });
  const view = await getBuilder(builder.id);
  t.equal(view.status, 200);
  t.match(view.body.calendly, { eventTypes: null, eventTypesError: "calendly_token_unreadable" });
  const res = await h.app.inject({
    method: "POST",
    url: `/v1/partner/builders/${builder.id}/session-types`,
    headers: auth(),
    payload: {
      calendlyEventTypeUri: "https://api.calendly.com/event_types/X",
      price: { amount: 100, currency: "usd" },
    },
  });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { error: "calendly_token_unreadable" });
  const row = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  t.equal(row.status, "CONNECTED", "kept: putting the key back restores it");
  t.not(row.accessTokenCiphertext, "");
  await h.db.prisma.calendlyConnection.update({ where: { builderId: builder.id }, data: { tokenKeyId: "dev" } });
});

t.test("the doctor reports each builder's connection", async (t) => {
  const results = await runDoctor({
    config: h.config,
    db: h.db,
    calendly: h.app.providers.calendly,
    stripe: h.app.providers.stripe,
    fetch: null,
    pingRedis: null,
  });
  const calendly = results.filter((r) => r.section === "Calendly");
  t.ok(
    calendly.some((r) => r.status === "pass" && /redirect URI .*\/oauth\/calendly\/callback/.test(r.message)),
    "names the redirect URI to register",
  );
  t.ok(
    calendly.some(
      (r) => r.status === "pass" && /connected as Ada Sandbox .*webhook subscription active/.test(r.message),
    ),
    "a connected builder",
  );
  const disconnected = calendly.find(
    (r) => r.status === "warn" && /Calendly disconnected \(refresh_rejected\)/.test(r.message),
  );
  t.ok(disconnected, "a disconnected builder, with the way back");
  t.match(disconnected?.fix, /calendly\/connect/);
  t.ok(calendly.some((r) => /disconnected_by_partner/.test(r.message)));
});

t.test("key rotation: npm run admin -- calendly reencrypt moves every connection to the new key", async (t) => {
  const builder = await newBuilder();
  await connect(builder.id, newCalendlyUser().slug);
  const before = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  const plain = openToken(h.ctx, before, "refresh");
  const rotated = {
    ...h.config,
    calendly: { ...h.config.calendly, tokenKeys: [{ id: "k2", key: randomBytes(32) }, developmentTokenKey] },
  };
  const out: string[] = [];
  const code = await runAdmin(
    ["calendly", "reencrypt"],
    { out: (l) => out.push(l), err: (l) => out.push(l), env: {} },
    async () => ({
      db: h.db,
      config: rotated,
    }),
  );
  t.equal(code, 0, out.join("\n"));
  t.match(out.join("\n"), /Re-encrypted [1-9]\d* connection\(s\)/);
  const after = await h.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  t.equal(after.tokenKeyId, "k2");
  t.not(after.refreshTokenCiphertext, before.refreshTokenCiphertext);
  const newOnly = {
    config: { ...rotated, calendly: { ...rotated.calendly, tokenKeys: [rotated.calendly.tokenKeys[0]!] } },
  };
  t.equal(openToken(newOnly, after, "refresh"), plain, "the new key alone opens it: the old one can go");
  // Put the suite's key back for the checks that follow.
  const back = await runAdmin(["calendly", "reencrypt"], { out: () => {}, err: () => {}, env: {} }, async () => ({
    db: h.db,
    config: {
      ...rotated,
      calendly: { ...rotated.calendly, tokenKeys: [developmentTokenKey, rotated.calendly.tokenKeys[0]!] },
    },
  }));
  t.equal(back, 0);
});

t.test("no token in any log line", async (t) => {
  t.ok(issued.length >= 4, "tokens were issued");
  const text = lines.join("");
  for (const token of issued) t.notOk(text.includes(token), "token not logged");
  t.notOk(text.includes(h.config.calendly.oauth!.clientSecret), "client secret not logged");
});
