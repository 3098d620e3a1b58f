// Rate limits, Prometheus metrics, and logs that never carry PII or secrets.
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import t from "tap";
import { sandboxSecrets } from "../src/config.js";
import { issuePartnerKey, randomBase62, revokePartnerKey } from "../src/domain/partner-keys.js";
import {
  buildTestApp,
  pendingBooking,
  reportBooking,
  scheduleSlot,
  startAttempt,
  type TestApp,
  testMetricsToken,
  testSite,
  waitForStatus,
} from "./helpers/app.js";

t.test("rate limits: our own 429 with Retry-After", async (t) => {
  const h = await buildTestApp({ env: { RATE_LIMIT_MAX: "3", RATE_LIMIT_WINDOW_SECONDS: "60" } });
  t.teardown(h.close);
  const get = () => h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
  for (let i = 0; i < 3; i++) t.equal((await get()).statusCode, 200, `request ${i + 1} is allowed`);
  const limited = await get();
  t.equal(limited.statusCode, 429);
  t.match(limited.json(), { statusCode: 429, error: "rate_limited", retryable: true, message: /limit is 3/ });
  const retryAfter = Number(limited.headers["retry-after"]);
  t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After: ${limited.headers["retry-after"]}`);
  t.equal(limited.headers["access-control-allow-origin"], testSite.allowedOrigins[0], "the widget can read it");

  const rotated = await h.app.inject({
    url: "/v1/builders/liam/booking-config",
    headers: { ...h.siteHeaders, "x-baw-site-key": "pk_test_made_up_to_dodge_the_limit" },
  });
  t.equal(rotated.statusCode, 429, "a made-up site key does not open a fresh bucket");
  const otherClient = await h.app.inject({
    url: "/v1/builders/liam/booking-config",
    headers: h.siteHeaders,
    remoteAddress: "10.1.2.3",
  });
  t.equal(otherClient.statusCode, 200, "limits are per client");
  t.equal((await h.app.inject({ url: "/health" })).statusCode, 200, "health checks are not limited");
  const webhook = await h.app.inject({
    method: "POST",
    url: "/webhooks/stripe",
    headers: { "content-type": "application/json" },
    payload: "{}",
  });
  t.equal(webhook.statusCode, 400, "webhooks are not limited (refused for their signature only)");
});

t.test("rate limits: only a verified partner key earns its own bucket", async (t) => {
  const h = await buildTestApp({ env: { RATE_LIMIT_MAX: "3", RATE_LIMIT_WINDOW_SECONDS: "600" } });
  t.teardown(h.close);
  const { key } = await issuePartnerKey(h.db.prisma, { name: "Acme", scopes: ["builders:read"] });
  const madeUp = () => `Bearer baw_sk_${randomBase62(8)}_${randomBytes(32).toString("base64url")}`;
  const partner = (remoteAddress: string, authorization: string) =>
    h.app.inject({ url: "/v1/partner/builders", headers: { authorization }, remoteAddress });

  const guesses: number[] = [];
  for (let i = 0; i < 6; i++) guesses.push((await partner("10.9.0.1", madeUp())).statusCode);
  t.same(guesses, [401, 401, 401, 429, 429, 429], "a fresh made-up key per request does not open a fresh bucket");

  const revoked = await issuePartnerKey(h.db.prisma, { name: "Gone", scopes: ["builders:read"] });
  await revokePartnerKey(h.db.prisma, revoked.record.prefix);
  const widget = (remoteAddress: string, authorization: string) =>
    h.app.inject({
      url: "/v1/builders/liam/booking-config",
      headers: { ...h.siteHeaders, authorization },
      remoteAddress,
    });
  const mixed = [
    (await widget("10.9.0.2", madeUp())).statusCode,
    (await widget("10.9.0.2", `Bearer ${revoked.key}`)).statusCode,
    (await partner("10.9.0.2", `Bearer ${revoked.key}`)).statusCode,
    (await widget("10.9.0.2", madeUp())).statusCode,
  ];
  t.same(mixed, [200, 200, 401, 429], "made-up and revoked keys count against the address, on every route");

  const verified: number[] = [];
  for (let i = 0; i < 4; i++) verified.push((await partner("10.9.0.2", `Bearer ${key}`)).statusCode);
  t.same(verified, [200, 200, 200, 429], "a verified key has its own bucket, limited too");
  t.equal((await partner("10.9.0.3", `Bearer ${key}`)).statusCode, 429, "the key's bucket, whatever its address");
  t.equal((await widget("10.9.0.3", madeUp())).statusCode, 200, "and the addresses keep theirs");
});

t.test("/metrics answers only a scraper with METRICS_TOKEN, and is off without one", async (t) => {
  const h = await buildTestApp();
  t.teardown(h.close);
  const scrape = (authorization?: string) =>
    h.app.inject({ url: "/metrics", headers: authorization ? { authorization } : {} });
  for (const [what, authorization] of [
    ["no token", undefined],
    ["a wrong token", "Bearer not-the-metrics-token-but-as-long-as-it-0123"],
    ["the token without Bearer", testMetricsToken],
    ["a partner-shaped key", `Bearer baw_sk_AbCd1234_${"x".repeat(43)}`],
  ] as const) {
    const res = await scrape(authorization);
    t.equal(res.statusCode, 401, `${what}: 401`);
    t.match(res.json(), { error: "metrics_token_invalid", message: /^Authorization: / });
    t.notMatch(res.body, /baw_funnel_total/, `${what}: no metrics`);
  }
  const ok = await scrape(`Bearer ${testMetricsToken}`);
  t.equal(ok.statusCode, 200);
  t.match(ok.body, /baw_funnel_total/);

  const off = await buildTestApp({ env: { METRICS_TOKEN: "" } });
  t.teardown(off.close);
  const disabled = await off.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${testMetricsToken}` } });
  t.equal(disabled.statusCode, 404, "without METRICS_TOKEN /metrics is not served");
  t.match(disabled.json(), { error: "metrics_disabled", message: /METRICS_TOKEN/ });
});

t.test("rate limits shared through Redis hold across two instances", async (t) => {
  const env = { REDIS_URL: "redis://127.0.0.1:6379", RATE_LIMIT_MAX: "3", RATE_LIMIT_WINDOW_SECONDS: "60" };
  const one = await buildTestApp({ env });
  t.teardown(one.close);
  const two = await buildTestApp({ env });
  t.teardown(two.close);
  // A client address of its own, so runs within one window do not share a counter.
  const remoteAddress = `10.${[...randomBytes(3)].join(".")}`;
  const get = (h: TestApp) =>
    h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders, remoteAddress });
  const statuses = [];
  for (const h of [one, two, one, two]) statuses.push((await get(h)).statusCode);
  t.same(statuses, [200, 200, 200, 429], "the fourth request is limited, whichever instance answers it");
});

t.test("metrics and logs through a whole booking", async (t) => {
  const lines: string[] = [];
  const h = await buildTestApp({ logger: { level: "debug", stream: { write: (line) => void lines.push(line) } } });
  t.teardown(h.close);

  // A members site, so a customer token (a JWT with the visitor's email) travels too.
  const tokenSecret = "observability-site-secret-0123456789";
  await h.db.prisma.site.create({
    data: {
      name: "Members",
      publishableKey: "pk_test_obs_members",
      allowedOrigins: ["https://members.example"],
      returnUrlAllowlist: ["https://members.example/done"],
      requireCustomerToken: true,
      customerTokenSecret: tokenSecret,
    },
  });
  const members = { "x-baw-site-key": "pk_test_obs_members", origin: "https://members.example" };
  const visitor = { name: "Zebulon Quartermaine", email: "zebulon.quartermaine@example.org" };
  const customerToken = await new SignJWT({ sub: "cust_9", email: visitor.email, name: visitor.name })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(tokenSecret));

  // config → attempt (prefilled) → scheduled → reported → paid → read; plus a few failures.
  t.equal((await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: members })).statusCode, 200);
  const { attemptId, calendlyUrl } = await startAttempt(h, { customerToken }, members);
  t.match(calendlyUrl, /email=zebulon/, "the prefill is in the URL the widget loads");
  const scheduled = await scheduleSlot(h, attemptId, visitor);
  h.stripe.faults.next({ method: "POST", path: "/v1/checkout/sessions", status: 500, times: 3 });
  t.equal((await reportBooking(h, { attemptId, ...scheduled }, members)).statusCode, 502, "a Stripe failure logged");
  const reported = await reportBooking(h, { attemptId, ...scheduled }, members);
  t.equal(reported.statusCode, 200, reported.body);
  const booking = reported.json();
  await h.stripe.pay(booking.checkoutUrl.split("/").pop(), { name: visitor.name, email: visitor.email });
  await waitForStatus(h, booking.bookingId, "CONFIRMED");
  const view = await h.app.inject({ url: `/v1/bookings/${booking.bookingId}?token=${booking.bookingToken}` });
  t.equal(view.statusCode, 200);
  t.equal(view.json().inviteeName, visitor.name, "the visitor sees their own name");
  await h.app.inject({
    method: "POST",
    url: "/v1/booking-attempts",
    headers: members,
    payload: { builder: "liam", customerToken: `${customerToken}x` },
  });
  await h.app.inject({
    method: "POST",
    url: "/webhooks/calendly",
    headers: { "calendly-webhook-signature": "t=1,v1=00" },
    payload: "{}",
  });
  const second = await pendingBooking(h, { name: visitor.name, email: visitor.email });
  await h.calendly.cancel(second.scheduled.eventUri, { reason: `Ask ${visitor.email}` });
  await waitForStatus(h, second.booking.bookingId, "CANCELLED");
  await h.calendly.flushWebhooks();

  t.test("/health and /ready", async (t) => {
    const health = await h.app.inject({ url: "/health" });
    t.same(health.json(), { status: "ok" });
    const ready = await h.app.inject({ url: "/ready" });
    t.equal(ready.statusCode, 200);
    t.same(ready.json(), {
      status: "ready",
      database: "up",
      databaseKind: "pglite",
      pendingMigrations: [],
      sandbox: true,
    });
  });

  t.test("/metrics: the funnel, webhook outcomes and provider latency", async (t) => {
    const res = await h.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${testMetricsToken}` } });
    t.equal(res.statusCode, 200);
    t.match(String(res.headers["content-type"]), /text\/plain/);
    const metric = (name: string, labels: string) => {
      const line = res.body.split("\n").find((l) => l.startsWith(`${name}{${labels}`));
      return line ? Number(line.split(" ").pop()) : undefined;
    };
    for (const step of ["config_viewed", "attempt_created", "scheduled", "checkout_created", "paid", "cancelled"]) {
      t.ok((metric("baw_funnel_total", `step="${step}"`) ?? 0) >= 1, `funnel step ${step}`);
    }
    t.equal(metric("baw_funnel_total", 'step="paid"'), 1, "one payment");
    t.ok(
      (metric("baw_webhooks_total", 'provider="stripe",type="checkout.session.completed",result="processed"') ?? 0) >=
        1,
      "a processed Stripe webhook",
    );
    t.ok(
      (metric("baw_webhooks_total", 'provider="calendly",type="unknown",result="rejected"') ?? 0) >= 1,
      "a rejected one",
    );
    t.ok((metric("baw_webhooks_total", 'provider="calendly",type="invitee.canceled",result="processed"') ?? 0) >= 1);
    t.ok(
      (metric("baw_provider_call_seconds_count", 'provider="calendly",operation="get_event",outcome="ok"') ?? 0) >= 1,
      "Calendly latency",
    );
    t.equal(
      metric(
        "baw_provider_call_seconds_count",
        'provider="stripe",operation="create_checkout_session",outcome="error"',
      ),
      1,
      "the failed Stripe call",
    );
    t.ok(
      (metric(
        "baw_provider_call_seconds_count",
        'provider="stripe",operation="create_checkout_session",outcome="ok"',
      ) ?? 0) >= 1,
    );
    t.match(res.body, /baw_provider_call_seconds_bucket\{le="0\.1",provider="stripe"/);
  });

  t.test("logs carry no email, name, key, secret, token or signature", async (t) => {
    const text = lines.join("");
    t.ok(lines.length > 20, `logs were written (${lines.length} lines)`);
    t.match(text, /"msg":"booking reported"/, "the booking was logged");
    t.match(text, /"msg":"request failed"|checkout session creation failed/, "and the failure");
    const secrets: [string, string | RegExp][] = [
      ["email", visitor.email],
      ["email (URL-encoded)", encodeURIComponent(visitor.email)],
      ["name", "Quartermaine"],
      ["any email address", /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/],
      ["Stripe secret key", sandboxSecrets.stripeSecretKey],
      ["Stripe webhook secret", sandboxSecrets.stripeWebhookSecret],
      ["Calendly token", sandboxSecrets.calendlyToken],
      ["Calendly signing key", sandboxSecrets.calendlyWebhookSigningKey],
      ["site key", "pk_test_obs_members"],
      ["customer token", customerToken.split(".")[1]!],
      ["customer token secret", tokenSecret],
      ["booking token", booking.bookingToken],
      ["webhook signature", /v1=[0-9a-f]{64}/],
    ];
    for (const [what, needle] of secrets) {
      const found = typeof needle === "string" ? text.includes(needle) : needle.test(text);
      t.notOk(found, `no ${what} in the logs`);
    }
  });
});
