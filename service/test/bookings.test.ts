// POST /v1/bookings and the confirmation reads: verification with Calendly's API, Checkout at
// the server price, provider failures, idempotency and concurrency.
import { randomUUID } from "node:crypto";
import t from "tap";
import {
  apiCancellations,
  buildTestApp,
  pendingBooking,
  reportBooking,
  scheduleSlot,
  sessionIdOf,
  startAttempt,
  type TestApp,
} from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);
// The widget's report is what these tests are about: keep Calendly's invitee.created webhook
// (tested in calendly-webhooks.test.ts) from racing it.
h.calendly.setWebhookUrl(undefined);

const checkoutRequests = (h: TestApp, key: string) =>
  h.stripe.requests.filter(
    (r) => r.method === "POST" && r.path === "/v1/checkout/sessions" && r.idempotencyKey === key,
  );

const confirmedCount = () => h.db.prisma.booking.count({ where: { status: "CONFIRMED" } });

t.test("a verified booking: PENDING_PAYMENT, a Checkout Session at the server price, idempotent", async (t) => {
  const { attemptId } = await startAttempt(h, { returnUrl: "https://market.example/book/liam" });
  const scheduled = await scheduleSlot(h, attemptId, { name: "Ada Lovelace", email: "ada@example.com" });
  const res = await reportBooking(h, { attemptId, ...scheduled });
  t.equal(res.statusCode, 201, res.body);
  const booking = res.json();
  t.match(booking, {
    bookingId: /^[0-9a-f-]{36}$/,
    bookingToken: /^bt_/,
    status: "PENDING_PAYMENT",
    checkoutUrl: new RegExp(`^${h.stripe.url}/checkout/cs_`),
  });
  const hold = Date.parse(booking.holdExpiresAt) - Date.now();
  t.ok(hold > (h.config.holdSeconds - 60) * 1000 && hold <= h.config.holdSeconds * 1000, "held for the hold period");

  const stored = await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } });
  t.match(stored, {
    attemptId,
    calendlyEventUri: scheduled.eventUri,
    calendlyInviteeUri: scheduled.inviteeUri,
    inviteeName: "Ada Lovelace",
    inviteeEmail: "ada@example.com",
    status: "PENDING_PAYMENT",
  });
  const event = h.calendly.event(scheduled.eventUri)!;
  t.equal(stored.startTime.toISOString(), new Date(event.start_time).toISOString(), "the slot comes from Calendly");

  const session = h.stripe.getSession(sessionIdOf(booking.checkoutUrl))!;
  t.match(session, {
    mode: "payment",
    amount_total: 15000,
    currency: "usd",
    client_reference_id: booking.bookingId,
    metadata: { booking_id: booking.bookingId },
    customer_email: "ada@example.com",
    status: "open",
  });
  t.equal(session.expires_at, Math.floor(Date.parse(booking.holdExpiresAt) / 1000), "Checkout expires with the hold");
  const success = new URL(session.success_url!);
  t.equal(`${success.origin}${success.pathname}`, "https://market.example/book/liam", "returns to the attempt's page");
  t.equal(success.searchParams.get("session_id"), session.id, "{CHECKOUT_SESSION_ID} was filled in");
  t.equal(success.searchParams.get("baw_booking"), booking.bookingId);
  t.equal(new URL(session.cancel_url!).searchParams.get("baw_checkout"), "cancelled");
  const created = checkoutRequests(h, `checkout_${booking.bookingId}`);
  t.equal(created.length, 1, "one create, with the booking's idempotency key");
  t.same(created[0]!.params.payment_intent_data, { metadata: { booking_id: booking.bookingId } });

  const again = await reportBooking(h, { attemptId, ...scheduled });
  t.equal(again.statusCode, 200, "a repeat is not a new booking");
  t.same(again.json(), booking, "same booking, token and session");
  t.equal(h.stripe.sessions.filter((s) => s.client_reference_id === booking.bookingId).length, 1);
  t.equal(await h.db.prisma.booking.count({ where: { attemptId } }), 1);
});

t.test("the client cannot set the price: unknown fields are refused, the session uses the server's", async (t) => {
  const { attemptId } = await startAttempt(h);
  const scheduled = await scheduleSlot(h, attemptId);
  for (const extra of [{ amount: 100 }, { price: { amount: 100, currency: "usd" } }, { currency: "jpy" }]) {
    const res = await reportBooking(h, { attemptId, ...scheduled, ...extra });
    t.equal(res.statusCode, 400, res.body);
    t.equal(res.json().field, Object.keys(extra)[0], "names the field");
  }
  t.equal(await h.db.prisma.booking.count({ where: { attemptId } }), 0, "nothing stored");
  const res = await reportBooking(h, { attemptId, ...scheduled });
  t.equal(res.statusCode, 201);
  t.equal(h.stripe.getSession(sessionIdOf(res.json().checkoutUrl))!.amount_total, 15000);
});

t.test("malformed reports: 400 naming the field", async (t) => {
  const { attemptId } = await startAttempt(h);
  const scheduled = await scheduleSlot(h, attemptId);
  const cases: [Record<string, unknown>, string][] = [
    [{ eventUri: scheduled.eventUri, inviteeUri: scheduled.inviteeUri }, "attemptId"],
    [{ attemptId, inviteeUri: scheduled.inviteeUri }, "eventUri"],
    [{ attemptId, eventUri: "not a uri", inviteeUri: scheduled.inviteeUri }, "eventUri"],
    [{ attemptId, eventUri: scheduled.eventUri, inviteeUri: 12 }, "inviteeUri"],
  ];
  for (const [body, field] of cases) {
    const res = await reportBooking(h, body);
    t.equal(res.statusCode, 400, res.body);
    t.equal(res.json().field, field);
  }
  const noSite = await reportBooking(h, { attemptId, ...scheduled }, { origin: "https://market.example" });
  t.equal(noSite.statusCode, 401);
});

t.test("forged or mismatched Calendly URIs: 422 booking_not_verified, nothing CONFIRMED", async (t) => {
  const confirmedBefore = await confirmedCount();
  const bookingsBefore = await h.db.prisma.booking.count();
  const { attemptId } = await startAttempt(h);
  const mine = await scheduleSlot(h, attemptId);
  const other = await scheduleSlot(h, null);
  const api = `${h.calendly.apiBase}/scheduled_events`;
  const eventId = (uri: string) => uri.split("/").pop()!;
  const inviteeId = (uri: string) => uri.split("/").pop()!;

  const unknownEvent = randomUUID();
  const cases: [string, { eventUri: string; inviteeUri: string }, RegExp][] = [
    [
      "an event Calendly does not know",
      { eventUri: `${api}/${unknownEvent}`, inviteeUri: `${api}/${unknownEvent}/invitees/${randomUUID()}` },
      /does not exist/,
    ],
    [
      "an invitee URI of another event",
      { eventUri: mine.eventUri, inviteeUri: other.inviteeUri },
      /inviteeUri: does not belong/,
    ],
    [
      "another event's invitee placed under this event",
      {
        eventUri: mine.eventUri,
        inviteeUri: `${api}/${eventId(mine.eventUri)}/invitees/${inviteeId(other.inviteeUri)}`,
      },
      /does not exist/,
    ],
    ["a slot scheduled without our attempt id", other, /attemptId: .*not made from this booking attempt/],
    [
      "not Calendly URIs at all",
      { eventUri: "https://example.com/x", inviteeUri: "https://example.com/y" },
      /eventUri/,
    ],
  ];
  for (const [what, uris, message] of cases) {
    const res = await reportBooking(h, { attemptId, ...uris });
    t.equal(res.statusCode, 422, `${what}: ${res.body}`);
    t.equal(res.json().error, "booking_not_verified", what);
    t.match(res.json().message, message, what);
  }

  t.test("a slot scheduled from another attempt", async (t) => {
    const second = await startAttempt(h);
    const theirs = await scheduleSlot(h, second.attemptId);
    const res = await reportBooking(h, { attemptId, ...theirs });
    t.equal(res.statusCode, 422);
    t.match(res.json(), { error: "booking_not_verified", field: "attemptId" });
  });

  t.test("an event of another builder", async (t) => {
    const zoe = await h.db.prisma.builder.create({
      data: {
        slug: "zoe-forged",
        name: "Zoe",
        headline: "Another real builder",
        calendlyEventUrl: "https://calendly.com/zoe/session",
        calendlyEventTypeUri: `https://api.calendly.com/event_types/${randomUUID()}`,
        sessionTypes: { create: [{ name: "Chat", durationMinutes: 30, priceAmount: 100, currency: "usd" }] },
      },
    });
    const zoeAttempt = await startAttempt(h, { builder: zoe.slug });
    // A real Liam slot, even carrying Zoe's attempt id, is not a booking with Zoe (at Zoe's price).
    const liamSlot = await scheduleSlot(h, zoeAttempt.attemptId);
    const res = await reportBooking(h, { attemptId: zoeAttempt.attemptId, ...liamSlot });
    t.equal(res.statusCode, 422, res.body);
    t.match(res.json(), { error: "booking_not_verified", message: /not one of Zoe's/ });
  });

  t.test("a canceled slot", async (t) => {
    const a = await startAttempt(h);
    const slot = await scheduleSlot(h, a.attemptId);
    await h.calendly.cancel(slot.eventUri);
    const res = await reportBooking(h, { attemptId: a.attemptId, ...slot });
    t.equal(res.statusCode, 422);
    t.match(res.json(), { error: "booking_not_verified", message: /cancel/ });
  });

  t.equal(await confirmedCount(), confirmedBefore, "nothing CONFIRMED");
  t.equal(await h.db.prisma.booking.count(), bookingsBefore, "nothing stored at all");
  t.equal(h.stripe.sessions.filter((s) => s.client_reference_id === null).length, 0);
});

t.test("attempts are checked: unknown, another site's, expired, or already used", async (t) => {
  const slot = await scheduleSlot(h, "att_doesnotexist000000000");
  const unknown = await reportBooking(h, { attemptId: "att_doesnotexist000000000", ...slot });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error, "attempt_not_found");

  const a = await startAttempt(h);
  const mine = await scheduleSlot(h, a.attemptId);
  await h.db.prisma.site.create({
    data: {
      name: "Other",
      publishableKey: "pk_test_other_site",
      allowedOrigins: ["https://other.example"],
      returnUrlAllowlist: ["https://other.example/"],
    },
  });
  const foreign = await reportBooking(
    h,
    { attemptId: a.attemptId, ...mine },
    { "x-baw-site-key": "pk_test_other_site", origin: "https://other.example" },
  );
  t.equal(foreign.statusCode, 404, "another site cannot use this site's attempt");

  const ok = await reportBooking(h, { attemptId: a.attemptId, ...mine });
  t.equal(ok.statusCode, 201);
  const another = await scheduleSlot(h, a.attemptId);
  const reused = await reportBooking(h, { attemptId: a.attemptId, ...another });
  t.equal(reused.statusCode, 422);
  t.match(reused.json(), { error: "attempt_already_used", field: "attemptId" });

  const old = await startAttempt(h);
  await h.db.prisma.bookingAttempt.update({
    where: { id: old.attemptId },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  const late = await reportBooking(h, { attemptId: old.attemptId, ...(await scheduleSlot(h, old.attemptId)) });
  t.equal(late.statusCode, 422);
  t.equal(late.json().error, "attempt_expired");
});

t.test("Calendly does not answer in time: 502 retryable, nothing stored; the retry succeeds", async (t) => {
  h.useCalendlyClient({ timeoutMs: 150, maxRetries: 1, backoffBaseMs: 10 });
  t.teardown(() => h.useCalendlyClient());
  const { attemptId } = await startAttempt(h);
  const slot = await scheduleSlot(h, attemptId);
  h.calendly.faults.next({ path: /^\/api\/scheduled_events\/[^/]+$/, delayMs: 1000, times: 2 });
  const started = Date.now();
  const res = await reportBooking(h, { attemptId, ...slot });
  t.equal(res.statusCode, 502, res.body);
  t.match(res.json(), { error: "calendly_unavailable", retryable: true, message: /retry/ });
  t.ok(Date.now() - started < 900, "answers after the client's timeout, not the fake's delay");
  t.equal(await h.db.prisma.booking.count({ where: { attemptId } }), 0);
  const retry = await reportBooking(h, { attemptId, ...slot });
  t.equal(retry.statusCode, 201, retry.body);
});

t.test("Calendly rate limit: X-RateLimit-Reset is waited out, then the booking succeeds", async (t) => {
  const { attemptId } = await startAttempt(h);
  const slot = await scheduleSlot(h, attemptId);
  const path = `/api/scheduled_events/${slot.eventUri.split("/").pop()}`;
  h.calendly.faults.next({ path: new RegExp(`^${path}$`), status: 429, resetSeconds: 1 });
  const started = Date.now();
  const res = await reportBooking(h, { attemptId, ...slot });
  t.equal(res.statusCode, 201, res.body);
  t.ok(Date.now() - started >= 950, "waited for the reset");
  const calls = h.calendly.requests.filter((r) => r.path === path);
  t.same(
    calls.map((r) => r.status),
    [429, 200],
  );
});

t.test("Calendly rate limit beyond what a request can wait: 502 retryable", async (t) => {
  const { attemptId } = await startAttempt(h);
  const slot = await scheduleSlot(h, attemptId);
  h.calendly.faults.next({ path: /^\/api\/scheduled_events\//, status: 429, resetSeconds: 60 });
  const res = await reportBooking(h, { attemptId, ...slot });
  t.equal(res.statusCode, 502);
  t.match(res.json(), { error: "calendly_unavailable", retryable: true });
});

t.test(
  "Stripe fails: 502 retryable, the booking is kept, the retry reuses the key and opens one session",
  async (t) => {
    const { attemptId } = await startAttempt(h);
    const slot = await scheduleSlot(h, attemptId);
    // The stripe client retries twice itself; three failures reach the service.
    h.stripe.faults.next({ method: "POST", path: "/v1/checkout/sessions", status: 500, times: 3 });
    const res = await reportBooking(h, { attemptId, ...slot });
    t.equal(res.statusCode, 502, res.body);
    t.match(res.json(), { error: "checkout_unavailable", retryable: true });
    const kept = await h.db.prisma.booking.findUniqueOrThrow({ where: { attemptId }, include: { payments: true } });
    t.equal(kept.status, "PENDING_PAYMENT", "the verified booking is kept");
    t.match(kept.payments, [{ status: "OPEN", checkoutSessionId: null }]);
    const key = kept.payments[0]!.idempotencyKey;
    t.equal(checkoutRequests(h, key).length, 3);

    const retry = await reportBooking(h, { attemptId, ...slot });
    t.equal(retry.statusCode, 200, retry.body);
    t.equal(retry.json().bookingId, kept.id);
    const requests = checkoutRequests(h, key);
    t.equal(requests.length, 4, "the retry sent the same Idempotency-Key");
    t.same(
      requests.map((r) => r.status),
      [500, 500, 500, 200],
    );
    t.same(requests[3]!.params, requests[0]!.params, "with the same parameters");
    t.equal(h.stripe.sessions.filter((s) => s.client_reference_id === kept.id).length, 1, "one session");
    const third = await reportBooking(h, { attemptId, ...slot });
    t.equal(third.json().checkoutUrl, retry.json().checkoutUrl);
    t.equal(checkoutRequests(h, key).length, 4, "an open session is reused without asking Stripe");
  },
);

t.test("GET a booking by its capability token or by the Checkout Session id", async (t) => {
  const { booking, sessionId } = await pendingBooking(h, { name: "Grace Hopper" });
  const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ url, headers });
  const byBearer = await get(`/v1/bookings/${booking.bookingId}`, { authorization: `Bearer ${booking.bookingToken}` });
  t.equal(byBearer.statusCode, 200, byBearer.body);
  t.match(byBearer.json(), {
    id: booking.bookingId,
    status: "PENDING_PAYMENT",
    builder: { slug: "liam" },
    inviteeName: "Grace Hopper",
    price: { amount: 15000, currency: "usd" },
    amountPaid: { amount: 0, currency: "usd" },
    amountRefunded: { amount: 0, currency: "usd" },
    checkoutUrl: booking.checkoutUrl,
    history: [{ from: null, to: "PENDING_PAYMENT" }],
    sandbox: true,
  });
  t.notOk("inviteeEmail" in byBearer.json(), "the view leaves the email out");
  const byQuery = await get(`/v1/bookings/${booking.bookingId}?token=${booking.bookingToken}`);
  t.equal(byQuery.statusCode, 200);
  const bySession = await get(`/v1/bookings/by-checkout-session/${sessionId}`);
  t.equal(bySession.statusCode, 200);
  t.equal(bySession.json().id, booking.bookingId);

  const other = await pendingBooking(h);
  for (const [what, headers] of [
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer bt_wrong" }],
    ["another booking's token", { authorization: `Bearer ${other.booking.bookingToken}` }],
    ["not a bearer token", { authorization: `Basic ${booking.bookingToken}` }],
  ] as const) {
    const res = await get(`/v1/bookings/${booking.bookingId}`, headers);
    t.equal(res.statusCode, 404, what);
    t.equal(res.json().error, "booking_not_found", what);
  }
  const unknown = await get(`/v1/bookings/${randomUUID()}`, { authorization: `Bearer ${booking.bookingToken}` });
  t.equal(unknown.statusCode, 404);
  t.equal((await get("/v1/bookings/by-checkout-session/cs_test_doesnotexist00")).statusCode, 404);
  t.equal((await get("/v1/bookings/not-a-uuid")).statusCode, 400);
  t.equal((await get("/v1/bookings/by-checkout-session/pi_123")).statusCode, 400);
});

t.test("the visitor returns before the webhook: the read fulfils from Stripe", async (t) => {
  const { booking, sessionId } = await pendingBooking(h);
  const webhookUrl = h.stripe.webhookUrl;
  h.stripe.setWebhookUrl(undefined);
  t.teardown(() => h.stripe.setWebhookUrl(webhookUrl));
  const paid = await h.stripe.pay(sessionId);
  t.equal(paid.outcome, "paid");
  t.equal(
    (await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status,
    "PENDING_PAYMENT",
  );
  const res = await h.app.inject({ url: `/v1/bookings/by-checkout-session/${sessionId}` });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { status: "CONFIRMED", amountPaid: { amount: 15000, currency: "usd" }, checkoutUrl: null });
  t.match(res.json().history.at(-1), { from: "PENDING_PAYMENT", to: "CONFIRMED", cause: /visitor returned/ });
  const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
  t.equal(payment.status, "PAID");
  t.match(payment.paymentIntentId, /^pi_/);
  // The late webhook then changes nothing.
  h.stripe.setWebhookUrl(webhookUrl);
  const completed = h.stripe.events.find(
    (e) => e.type === "checkout.session.completed" && (e.data.object as { id: string }).id === sessionId,
  )!;
  const late = await h.stripe.redeliver(completed.id);
  t.equal(late.delivered, true);
  t.match(late.attempts[0]!.responseBody, /"outcome":"no_change"/);
  const history = await h.db.prisma.bookingStatusChange.count({ where: { bookingId: booking.bookingId } });
  t.equal(history, 2, "one CONFIRMED transition");
});

t.test("20 identical reports at once on real Postgres: one booking, one Checkout Session", async (t) => {
  const pg = await buildTestApp({ database: "postgres" });
  t.teardown(pg.close);
  pg.calendly.setWebhookUrl(undefined);
  const { attemptId } = await startAttempt(pg);
  const slot = await scheduleSlot(pg, attemptId);
  const results = await Promise.all(
    Array.from({ length: 20 }, () => reportBooking(pg, { attemptId, ...slot }, pg.siteHeaders)),
  );
  const statuses = results.map((r) => r.statusCode);
  t.ok(
    statuses.every((s) => s === 200 || s === 201),
    `every report succeeds: ${results
      .filter((r) => r.statusCode >= 300)
      .map((r) => r.body)
      .join(" ")}`,
  );
  t.equal(statuses.filter((s) => s === 201).length, 1, "exactly one created it");
  const ids = new Set(results.map((r) => r.json().bookingId));
  const urls = new Set(results.map((r) => r.json().checkoutUrl));
  t.equal(ids.size, 1, "one booking id");
  t.equal(urls.size, 1, "one checkout URL");
  t.equal(await pg.db.prisma.booking.count(), 1);
  t.equal(await pg.db.prisma.payment.count(), 1);
  t.equal(pg.stripe.sessions.length, 1, "one Checkout Session");
  t.equal(apiCancellations(pg, slot.eventUri).length, 0, "the slot is kept");
  const funnel = (await pg.app.metrics.funnel.get()).values;
  const step = (name: string) => funnel.find((v) => v.labels.step === name)?.value;
  t.equal(step("scheduled"), 1, "the funnel counts one scheduled booking");
  t.equal(step("checkout_created"), 1, "and one checkout, however many calls replayed it");
});
