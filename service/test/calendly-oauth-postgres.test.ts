// Two service instances over one PostgreSQL database refresh the same builder's Calendly token
// at once: the row lock lets exactly one of them ask Calendly, and the other uses what it stored.
// A refresh token Calendly already rotated (used outside the service) disconnects the builder.
import t from "tap";
import { openToken, refreshAccessToken } from "../src/domain/calendly-connections/client.js";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import { buildTestApp, type TestApp } from "./helpers/app.js";
import { recordSecrets } from "./helpers/log-scan.js";
import { suiteLogDir } from "./helpers/suite-logs.js";

let a: TestApp;
let b: TestApp;
let key = "";
const seen: string[] = [];

t.before(async () => {
  a = await buildTestApp({ database: "postgres" });
  b = await buildTestApp({ shareWith: a });
  key = (
    await issuePartnerKey(a.db.prisma, {
      name: "onboarding",
      scopes: ["builders:read", "builders:write"],
      returnUrlAllowlist: ["https://market.example/onboard"],
    })
  ).key;
});
t.teardown(async () => {
  await b?.close();
  await a?.close();
  recordSecrets(suiteLogDir, seen);
});

let n = 0;
/** A builder connected (through instance a) to a Calendly account of its own. */
async function connectedBuilder() {
  n++;
  const host = a.calendly.addUser({
    slug: `pg-host-${n}`,
    name: `Pg Host${n}`,
    email: `pg.host.${n}@calendly.example`,
    eventTypes: [{ slug: "session", name: "Session", durationMinutes: 30 }],
  });
  const headers = { authorization: `Bearer ${key}` };
  const created = await a.app.inject({
    method: "POST",
    url: "/v1/partner/builders",
    headers,
    payload: { slug: `pg-builder-${n}`, name: `Pg Builder ${n}` },
  });
  const builder = created.json() as { id: string };
  const started = await a.app.inject({
    method: "POST",
    url: `/v1/partner/builders/${builder.id}/calendly/connect`,
    headers,
    payload: { returnUrl: "https://market.example/onboard" },
  });
  const location = new URL(a.calendly.consent(started.json().authorizeUrl, { user: host.slug }));
  const done = await a.app.inject({ method: "GET", url: `${location.pathname}${location.search}` });
  if (!String(done.headers.location).includes("calendly=connected"))
    throw new Error(`not connected: ${done.headers.location}`);
  return { builder, host };
}

const stored = async (builderId: string) => {
  const row = await a.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId } });
  return { row, access: openToken(a.ctx, row, "access"), refresh: openToken(a.ctx, row, "refresh") };
};

t.test("two instances refresh one builder at once: one refresh, the same fresh token, nothing lost", async (t) => {
  const { builder, host } = await connectedBuilder();
  const before = await stored(builder.id);
  seen.push(before.access, before.refresh);
  a.calendly.expireAccessTokens(host.uri);
  // Both found the same token rejected (a 401) and ask for a fresh one.
  const [fromA, fromB] = await Promise.all([
    refreshAccessToken(a.ctx, builder.id, before.access),
    refreshAccessToken(b.ctx, builder.id, before.access),
  ]);
  t.ok("token" in fromA && "token" in fromB, "both got a token");
  if (!("token" in fromA) || !("token" in fromB)) return;
  t.equal(fromA.token, fromB.token, "the same token: the second instance used what the first stored");
  t.not(fromA.token, before.access);
  const refreshes = a.calendly.tokenRequests(host.uri).filter((r) => r.grantType === "refresh_token");
  t.equal(refreshes.length, 1, "exactly one refresh reached Calendly");
  t.equal(refreshes[0]!.status, 200);

  const after = await stored(builder.id);
  seen.push(after.access, after.refresh);
  t.equal(after.access, fromA.token, "the token in use is the one committed");
  t.not(after.refresh, before.refresh, "the rotated refresh token is stored");
  // The stored refresh token is the live one: the next refresh succeeds.
  const next = await refreshAccessToken(b.ctx, builder.id, after.access);
  t.ok("token" in next, "the next refresh works: no refresh token was lost");
  const latest = await stored(builder.id);
  seen.push(latest.access, latest.refresh);
  t.equal(
    a.calendly.tokenRequests(host.uri).filter((r) => r.grantType === "refresh_token" && r.status !== 200).length,
    0,
    "no refresh token was ever presented twice",
  );
});

t.test("both instances' API calls after expiry share one refresh", async (t) => {
  const { builder, host } = await connectedBuilder();
  await a.db.prisma.calendlyConnection.update({
    where: { builderId: builder.id },
    data: { accessTokenExpiresAt: new Date(Date.now() - 1000) },
  });
  const headers = { authorization: `Bearer ${key}` };
  const views = await Promise.all(
    [a, b, a, b].map((x) => x.app.inject({ method: "GET", url: `/v1/partner/builders/${builder.id}`, headers })),
  );
  for (const v of views) t.equal(v.json().calendly.eventTypes?.length, 1, "each instance read the event types");
  const refreshes = a.calendly.tokenRequests(host.uri).filter((r) => r.grantType === "refresh_token");
  t.equal(refreshes.length, 1, "one refresh for four calls on two instances");
  const latest = await stored(builder.id);
  seen.push(latest.access, latest.refresh);
});

t.test("a refresh token already used outside the service: the builder is disconnected, not a 5xx", async (t) => {
  const { builder, host } = await connectedBuilder();
  const before = await stored(builder.id);
  seen.push(before.access, before.refresh);
  // Another client (or a crash after Calendly rotated it) used the stored refresh token.
  const oauth = a.config.calendly.oauth!;
  const res = await fetch(`${oauth.authBase}/oauth/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${oauth.clientId}:${oauth.clientSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: before.refresh }).toString(),
  });
  t.equal(res.status, 200);
  const outside = (await res.json()) as { access_token: string; refresh_token: string };
  seen.push(outside.access_token, outside.refresh_token);

  const outcome = await refreshAccessToken(b.ctx, builder.id, before.access);
  t.same(outcome, { disconnected: true });
  const row = await a.db.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  t.match(row, { status: "DISCONNECTED", statusReason: "refresh_rejected" });
  const view = await b.app.inject({
    method: "GET",
    url: `/v1/partner/builders/${builder.id}`,
    headers: { authorization: `Bearer ${key}` },
  });
  t.equal(view.statusCode, 200);
  t.match(view.json(), { state: "unavailable", calendly: { connected: false, reason: "calendly_disconnected" } });
  t.ok(host.uri);
});
