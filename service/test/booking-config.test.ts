// GET /v1/builders/:idOrSlug/booking-config: bookable / demo / unavailable, caching, site keys,
// origins and CORS, and malformed builder references.
import t from "tap";
import { buildTestApp, testSite } from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);

const config = (idOrSlug: string, headers: Record<string, string> = h.siteHeaders) =>
  h.app.inject({ url: `/v1/builders/${idOrSlug}/booking-config`, headers });

const liam = await h.db.prisma.builder.findUniqueOrThrow({ where: { slug: "liam" }, include: { sessionTypes: true } });

/** Changes Liam for one test and puts him back afterwards. */
async function withLiam(t: { teardown(fn: () => unknown): void }, change: () => Promise<unknown>) {
  await change();
  t.teardown(async () => {
    await h.db.prisma.builder.update({
      where: { id: liam.id },
      data: { bookingEnabled: liam.bookingEnabled, calendlyEventUrl: liam.calendlyEventUrl, isDemo: liam.isDemo },
    });
    await h.db.prisma.sessionType.updateMany({ where: { builderId: liam.id }, data: { active: true } });
  });
}

t.test("Liam is bookable: session types at the server price, the sandbox Calendly page", async (t) => {
  const res = await config("liam");
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.state, "bookable");
  t.notOk("reason" in body, "no reason when bookable");
  t.match(body.builder, { id: liam.id, slug: "liam", name: "Liam" });
  t.same(
    body.sessionTypes.map((s: { price: unknown; durationMinutes: number }) => [s.durationMinutes, s.price]),
    [[60, { amount: 15000, currency: "usd" }]],
  );
  t.equal(body.calendly.origin, h.calendly.url, "messages are checked against the fake's origin");
  t.equal(body.calendly.url, `${h.calendly.url}/liam-buildappswith/build-session`);
  t.equal(body.requiresCustomer, false);
  t.equal(body.sandbox, true);
  t.equal(res.headers["access-control-allow-origin"], testSite.allowedOrigins[0], "CORS for the allowed origin");
  t.match(String(res.headers["access-control-expose-headers"]), /ETag/i);
  t.match(String(res.headers.vary), /Origin/);
});

t.test("a builder is found by id as well as by slug", async (t) => {
  const res = await config(liam.id);
  t.equal(res.statusCode, 200);
  t.equal(res.json().builder.slug, "liam");
});

t.test("servers (no Origin) may read the config without a site key; the key is then optional", async (t) => {
  const res = await h.app.inject({ url: "/v1/builders/liam/booking-config" });
  t.equal(res.statusCode, 200);
  t.equal(res.json().state, "bookable");
  const withQueryKey = await h.app.inject({
    url: `/v1/builders/liam/booking-config?siteKey=${testSite.publishableKey}`,
    headers: { origin: testSite.allowedOrigins[0]! },
  });
  t.equal(withQueryKey.statusCode, 200, "the key may come in the query string");
});

t.test("a demo profile answers demo with a reason and no calendar", async (t) => {
  const res = await config("ada-fernandez");
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.state, "demo");
  t.match(body.reason, /demo profile/);
  t.equal(body.calendly, null);
  t.equal(body.sessionTypes.length, 1, "a demo still shows what it would offer");
});

t.test("unavailable, with a reason and never a 500", async (t) => {
  t.test("bookings disabled", async (t) => {
    await withLiam(t, () => h.db.prisma.builder.update({ where: { id: liam.id }, data: { bookingEnabled: false } }));
    const res = await config("liam");
    t.equal(res.statusCode, 200);
    t.match(res.json(), { state: "unavailable", reason: /not taking bookings/, calendly: null });
  });
  t.test("no Calendly event URL", async (t) => {
    await withLiam(t, () => h.db.prisma.builder.update({ where: { id: liam.id }, data: { calendlyEventUrl: null } }));
    const res = await config("liam");
    t.equal(res.statusCode, 200);
    t.match(res.json(), { state: "unavailable", reason: /not connected a calendar/, calendly: null });
  });
  t.test("an event URL that is not a URL", async (t) => {
    await withLiam(t, () =>
      h.db.prisma.builder.update({ where: { id: liam.id }, data: { calendlyEventUrl: "calendly.com/liam" } }),
    );
    const res = await config("liam");
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { state: "unavailable", reason: /calendar link/, calendly: null });
  });
  t.test("every session type deactivated", async (t) => {
    await withLiam(t, () =>
      h.db.prisma.sessionType.updateMany({ where: { builderId: liam.id }, data: { active: false } }),
    );
    const res = await config("liam");
    t.equal(res.statusCode, 200);
    t.match(res.json(), { state: "unavailable", reason: /no session types/, sessionTypes: [], calendly: null });
  });
});

t.test("unknown builder: 404 naming it", async (t) => {
  const res = await config("nobody-here");
  t.equal(res.statusCode, 404);
  t.match(res.json(), { statusCode: 404, error: "builder_not_found", message: /nobody-here/ });
  const byId = await config("00000000-0000-4000-8000-000000000000");
  t.equal(byId.statusCode, 404, "an unknown id too");
  t.equal(byId.json().error, "builder_not_found");
});

t.test("malformed builder references are 400 naming the parameter", async (t) => {
  for (const bad of [encodeURIComponent("liam<script>"), encodeURIComponent("../admin"), `${"x".repeat(99)}!`, "%20"]) {
    const res = await config(bad);
    t.equal(res.statusCode, 400, `${bad.slice(0, 20)}: ${res.body}`);
    t.equal(res.json().error, "validation_error");
    t.match(res.json().message, /idOrSlug/);
  }
  const long = await config("x".repeat(101));
  t.equal(long.statusCode, 414, "the router refuses parameters over 100 characters before any lookup");
});

t.test("ETag and If-None-Match: 304 while nothing changed, 200 with a new tag after a change", async (t) => {
  const first = await config("liam");
  const etag = first.headers.etag as string;
  t.match(etag, /^"[A-Za-z0-9_-]+"$/);
  t.match(String(first.headers["cache-control"]), /must-revalidate/);
  const same = await config("liam", { ...h.siteHeaders, "if-none-match": etag });
  t.equal(same.statusCode, 304);
  t.equal(same.body, "", "no body on 304");
  t.equal(same.headers.etag, etag);
  const listed = await config("liam", { ...h.siteHeaders, "if-none-match": `"other", ${etag}` });
  t.equal(listed.statusCode, 304, "a list of tags containing ours");
  const weak = await config("liam", { ...h.siteHeaders, "if-none-match": `W/${etag}` });
  t.equal(weak.statusCode, 304, "weak comparison, as RFC 9110 asks for If-None-Match");
  const stale = await config("liam", { ...h.siteHeaders, "if-none-match": '"stale"' });
  t.equal(stale.statusCode, 200);
  await withLiam(t, () => h.db.prisma.builder.update({ where: { id: liam.id }, data: { bookingEnabled: false } }));
  const changed = await config("liam", { ...h.siteHeaders, "if-none-match": etag });
  t.equal(changed.statusCode, 200, "the old tag no longer matches");
  t.not(changed.headers.etag, etag);
});

t.test("site keys and origins", async (t) => {
  t.test("a browser origin without a site key: 401", async (t) => {
    const res = await config("liam", { origin: "https://market.example" });
    t.equal(res.statusCode, 401);
    t.match(res.json(), { error: "site_key_required", message: /X-Baw-Site-Key/ });
  });
  t.test("an unknown key: 403 unknown_site_key", async (t) => {
    const res = await config("liam", { origin: "https://market.example", "x-baw-site-key": "pk_test_nope" });
    t.equal(res.statusCode, 403);
    t.equal(res.json().error, "unknown_site_key");
    const server = await config("liam", { "x-baw-site-key": "pk_test_nope" });
    t.equal(server.statusCode, 403, "a wrong key is refused from servers too");
  });
  t.test("a foreign origin: 403 origin_not_allowed, readable by the page but without data", async (t) => {
    const res = await config("liam", { ...h.siteHeaders, origin: "https://evil.example" });
    t.equal(res.statusCode, 403);
    t.match(res.json(), { error: "origin_not_allowed", message: /https:\/\/evil\.example/ });
    t.notOk("builder" in res.json(), "no config in the answer");
    t.equal(res.headers["access-control-allow-origin"], "https://evil.example", "the widget can show the reason");
  });
  t.test("an allowed origin of another site does not borrow this key", async (t) => {
    const res = await config("liam", { ...h.siteHeaders, origin: "https://market.example.evil.com" });
    t.equal(res.statusCode, 403);
    t.equal(res.json().error, "origin_not_allowed");
  });
});

t.test("CORS preflight", async (t) => {
  const preflight = (url: string, origin: string) =>
    h.app.inject({
      method: "OPTIONS",
      url,
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-baw-site-key",
      },
    });
  t.test("widget routes answer it for any origin; the site check runs on the real request", async (t) => {
    const res = await preflight("/v1/booking-attempts", "https://market.example");
    t.equal(res.statusCode, 204);
    t.equal(res.headers["access-control-allow-origin"], "https://market.example");
    t.match(String(res.headers["access-control-allow-methods"]), /POST/);
    t.match(String(res.headers["access-control-allow-headers"]), /X-Baw-Site-Key/i);
    t.match(String(res.headers["access-control-allow-headers"]), /Content-Type/i);
    t.equal(res.headers["access-control-max-age"], "600");
    t.notOk(res.headers["access-control-allow-credentials"], "no credentials");
    const foreign = await preflight("/v1/booking-attempts", "https://evil.example");
    t.equal(foreign.statusCode, 204, "a preflight carries no key, so it cannot be judged");
    const real = await h.app.inject({
      method: "POST",
      url: "/v1/booking-attempts",
      headers: { ...h.siteHeaders, origin: "https://evil.example" },
      payload: { builder: "liam" },
    });
    t.equal(real.statusCode, 403, "the request itself is refused");
    t.equal(real.json().error, "origin_not_allowed");
    t.equal(await h.db.prisma.bookingAttempt.count(), 0, "and nothing was stored");
  });
  t.test("partner and webhook routes give browsers no CORS", async (t) => {
    for (const url of ["/v1/partner/builders", "/webhooks/stripe"]) {
      const res = await preflight(url, "https://market.example");
      t.notOk(res.headers["access-control-allow-origin"], `${url}: no allow-origin`);
    }
  });
});

t.test("with the config cache on, reads within the TTL skip the database and still answer 304", async (t) => {
  const cached = await buildTestApp({ env: { CONFIG_CACHE_SECONDS: "60" } });
  t.teardown(cached.close);
  const get = (headers: Record<string, string> = {}) =>
    cached.app.inject({ url: "/v1/builders/liam/booking-config", headers: { ...cached.siteHeaders, ...headers } });
  const first = await get();
  t.equal(first.statusCode, 200);
  t.equal(first.headers["content-type"], "application/json; charset=utf-8");
  await cached.db.prisma.builder.update({ where: { slug: "liam" }, data: { headline: "Changed while cached" } });
  const second = await get();
  t.equal(second.json().builder.headline, first.json().builder.headline, "served from the cache");
  t.equal(second.headers.etag, first.headers.etag);
  const revalidated = await get({ "if-none-match": String(first.headers.etag) });
  t.equal(revalidated.statusCode, 304);
  t.equal(revalidated.body, "");
  const third = await get();
  t.same(third.json(), first.json(), "the cached body is the validated JSON");
});
