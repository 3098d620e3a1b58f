// Provider faults injected through the sandbox fakes, against two service processes: what the
// widget-facing API answers (502 retryable), that retries reuse one idempotency key, and that no
// booking is lost or doubled; and, on the webhook side, that an effect a provider refused is
// done once by the retry. (bookings.test.ts covers Stripe 500, Calendly timeouts and Calendly
// 429 on verification for one in-process instance; this file adds the rest.)
import t, { type Test } from "tap";
import { loadConfig } from "../src/config.js";
import { createStripeClient } from "../src/providers/stripe.js";
import {
  buildTestApp,
  startAttempt as inProcessAttempt,
  reportBooking as inProcessReport,
  scheduleSlot as inProcessSchedule,
} from "./helpers/app.js";
import {
  apiCancellations,
  deliverUntilOk,
  eventually,
  type HttpResult,
  pendingBooking,
  postWebhook,
  reportBooking,
  scanLogs,
  scheduleSlot,
  startAttempt,
  startCluster,
  stripeEventBody,
} from "./helpers/cluster.js";

t.test("the provider settings the multi-process tests rely on", async (t) => {
  const sandbox = {
    PROVIDER_MODE: "sandbox",
    STRIPE_API_BASE: "http://127.0.0.1:4250",
    CALENDLY_API_BASE: "http://127.0.0.1:4251/api",
    CALENDLY_ORIGIN: "http://127.0.0.1:4251",
  };
  const live = {
    ...sandbox,
    BOOKING_TOKEN_SECRET: "b".repeat(40),
    STRIPE_SECRET_KEY: "sk_test_abc123",
    STRIPE_WEBHOOK_SECRET: "whsec_abc",
    STRIPE_API_BASE: "http://127.0.0.1:4242",
  };
  t.equal(loadConfig(live).stripe.apiBase, "http://127.0.0.1:4242", "STRIPE_API_BASE points the real client elsewhere");
  t.equal(loadConfig(sandbox).stripe.apiBase, "http://127.0.0.1:4250", "and to the sandbox's fake, wherever it runs");
  t.throws(() => loadConfig({ ...live, STRIPE_API_BASE: "http://127.0.0.1:4242/v1" }), /STRIPE_API_BASE must be/);
  t.same(loadConfig(sandbox).timeouts, { webhookLockMs: 60_000, sideEffectClaimMs: 60_000 }, "lock and claim: 60 s");
  t.same(loadConfig({ ...sandbox, WEBHOOK_LOCK_TIMEOUT_MS: "1500", SIDE_EFFECT_CLAIM_TIMEOUT_MS: "3000" }).timeouts, {
    webhookLockMs: 1500,
    sideEffectClaimMs: 3000,
  });
});

const c = await startCluster({ name: "faults" });
t.teardown(c.close);
const prisma = c.db.prisma;

const checkoutRequests = (key: string) =>
  c.stripe.requests.filter((r) => r.path === "/v1/checkout/sessions" && r.idempotencyKey === key);

const expectRetryable = (t: Test, res: HttpResult, error: string, what: string) => {
  t.ok([502, 503, 504].includes(res.status), `${what}: ${res.status} ${res.body}`);
  t.match(res.json(), { statusCode: res.status, error, retryable: true, message: /retry/i }, what);
};

const stripeFaults: [string, Parameters<typeof c.stripe.faults.next>[0]][] = [
  ["429 rate limited", { method: "POST", path: "/v1/checkout/sessions", status: 429 }],
  [
    "409 idempotency_key_in_use (a request with the same key still running), on every retry",
    { method: "POST", path: "/v1/checkout/sessions", idempotencyConflict: true, times: 3 },
  ],
  [
    "the connection reset, on every retry",
    { method: "POST", path: "/v1/checkout/sessions", connectionReset: true, times: 3 },
  ],
];

for (const [what, fault] of stripeFaults) {
  t.test(`Stripe ${what}: 502 retryable, the retry on the other instance reuses the key, one session`, async (t) => {
    const attemptId = await startAttempt(c, 0);
    const slot = await scheduleSlot(c, attemptId);
    c.stripe.faults.next(fault);
    const first = await reportBooking(c, 0, { attemptId, ...slot });
    expectRetryable(t, first, "checkout_unavailable", "the first report");
    const kept = await prisma.booking.findUniqueOrThrow({ where: { attemptId }, include: { payments: true } });
    t.match(kept, { status: "PENDING_PAYMENT", payments: [{ status: "OPEN", checkoutSessionId: null }] }, "kept");
    const key = kept.payments[0]!.idempotencyKey;
    const failed = checkoutRequests(key).length;
    t.ok(failed >= 1, `${failed} attempts reached Stripe`);

    const retry = await reportBooking(c, 1, { attemptId, ...slot });
    t.equal(retry.status, 200, retry.body);
    t.equal(retry.json().bookingId, kept.id, "the same booking");
    const all = checkoutRequests(key);
    t.equal(all.length, failed + 1, "the retry sent the same Idempotency-Key");
    t.equal(all.at(-1)!.status, 200);
    t.same(all.at(-1)!.params, all[0]!.params, "with the same parameters");
    t.equal(c.stripe.sessions.filter((s) => s.client_reference_id === kept.id).length, 1, "one session");
  });
}

t.test("Calendly 503 on every try while verifying: 502 retryable, nothing stored; the retry succeeds", async (t) => {
  const attemptId = await startAttempt(c, 0);
  const slot = await scheduleSlot(c, attemptId);
  const path = new RegExp(`^/api/scheduled_events/${slot.eventUri.split("/").pop()}$`);
  // The client tries four times (three retries), all refused.
  c.calendly.faults.next({ path, status: 503, times: 4 });
  const first = await reportBooking(c, 1, { attemptId, ...slot });
  expectRetryable(t, first, "calendly_unavailable", "the report");
  t.equal(await prisma.booking.count({ where: { attemptId } }), 0, "nothing stored");
  t.same(
    c.calendly.requests.filter((r) => path.test(r.path)).map((r) => r.status),
    [503, 503, 503, 503],
  );
  const retry = await reportBooking(c, 0, { attemptId, ...slot });
  t.equal(retry.status, 201, retry.body);
  t.equal(await prisma.booking.count({ where: { attemptId } }), 1);
});

/** An expired checkout whose Calendly cancellation meets `fault`; returns the event body. */
async function expiredWith(fault: Parameters<typeof c.calendly.faults.next>[0]) {
  const booking = await pendingBooking(c, 0);
  await c.stripe.expire(booking.sessionId);
  c.calendly.faults.next(fault);
  return { booking, body: stripeEventBody(c, "checkout.session.expired", booking.sessionId) };
}

t.test("Calendly 429 on the cancellation with X-RateLimit-Reset: 1 — waited out, cancelled once", async (t) => {
  const { booking, body } = await expiredWith({
    method: "POST",
    path: /\/cancellation$/,
    status: 429,
    resetSeconds: 1,
  });
  const started = Date.now();
  const res = await postWebhook(c.instances[1]!, "stripe", body);
  t.equal(res.status, 200, res.body);
  t.ok(Date.now() - started >= 950, "waited for the reset");
  t.equal(apiCancellations(c, booking.eventUri).length, 1);
});

for (const [what, fault] of [
  ["429 with a reset beyond what a request waits (60 s)", { status: 429 as const, resetSeconds: 60 }],
  ["503 on every try", { status: 503 as const, times: 4 }],
] as const) {
  t.test(`Calendly ${what} on the cancellation: the webhook asks for a retry, which cancels once`, async (t) => {
    const { booking, body } = await expiredWith({ method: "POST", path: /\/cancellation$/, ...fault });
    const first = await postWebhook(c.instances[0]!, "stripe", body);
    t.equal(first.status, 500, "non-2xx: Stripe will retry");
    t.match(first.json(), { received: false, error: "processing_failed" });
    t.equal((await prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "EXPIRED");
    t.equal(apiCancellations(c, booking.eventUri).length, 0);
    const { statuses } = await deliverUntilOk(c.instances[1]!, "stripe", body);
    t.equal(statuses.at(-1), 200);
    t.equal(apiCancellations(c, booking.eventUri).length, 1, "cancelled exactly once");
    const again = await postWebhook(c.instances[0]!, "stripe", body);
    t.match(again.json(), { duplicate: true });
    t.equal(apiCancellations(c, booking.eventUri).length, 1);
  });
}

t.test("Calendly does not answer the cancellation in time: the client's retry cancels, once", async (t) => {
  // Longer than the client's 5 s timeout; the fake drops the call when the client has gone.
  const { booking, body } = await expiredWith({ method: "POST", path: /\/cancellation$/, delayMs: 6000 });
  const res = await postWebhook(c.instances[0]!, "stripe", body);
  t.equal(res.status, 200, res.body);
  const calls = c.calendly.requests.filter((r) => r.method === "POST" && r.path.endsWith("/cancellation"));
  t.ok(calls.length >= 2, "a timed-out call and its retry");
  t.equal(apiCancellations(c, booking.eventUri).length, 1, "cancelled exactly once");
});

t.test("Stripe 500 on the refund of a cancelled booking: the retry refunds once, with the same key", async (t) => {
  const booking = await pendingBooking(c, 1);
  await c.stripe.pay(booking.sessionId, { waitForDelivery: false });
  await deliverUntilOk(c.instances[0]!, "stripe", stripeEventBody(c, "checkout.session.completed", booking.sessionId));
  await c.calendly.cancel(booking.eventUri);
  const canceled = c.calendly.deliveries.find(
    (d) => d.event === "invitee.canceled" && d.payload.payload.uri === booking.inviteeUri,
  )!.body;
  // The stripe client retries twice itself: three failures reach the service.
  c.stripe.faults.next({ method: "POST", path: "/v1/refunds", status: 500, times: 3 });
  const first = await postWebhook(c.instances[1]!, "calendly", canceled);
  t.equal(first.status, 500, first.body);
  t.equal((await prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "CANCELLED");
  await deliverUntilOk(c.instances[0]!, "calendly", canceled);
  await eventually(
    async () => (await prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status === "REFUNDED",
  );
  const pi = c.stripe.getSession(booking.sessionId)!.payment_intent;
  t.equal(c.stripe.refunds.filter((r) => r.payment_intent === pi).length, 1, "one refund");
  const keys = c.stripe.requests.filter((r) => r.path === "/v1/refunds").map((r) => r.idempotencyKey);
  t.same(new Set(keys), new Set([`refund_cancel_${booking.bookingId}@0`]), "every try carried the same key");
  t.equal(keys.length, 4);
});

t.test("Stripe does not answer in time (in-process, with a 300 ms client timeout)", async (t) => {
  // The service's own Stripe timeout is 20 s; a short one keeps this case fast.
  const h = await buildTestApp({ database: "postgres" });
  t.teardown(h.close);
  h.app.providers.stripe = createStripeClient({
    secretKey: h.config.stripe.secretKey,
    apiBase: h.stripe.url,
    timeoutMs: 300,
    maxNetworkRetries: 1,
  });
  const { attemptId } = await inProcessAttempt(h);
  const slot = await inProcessSchedule(h, attemptId);
  h.stripe.faults.next({ method: "POST", path: "/v1/checkout/sessions", delayMs: 1000 });
  const first = await inProcessReport(h, { attemptId, ...slot });
  t.equal(first.statusCode, 502, first.body);
  t.match(first.json(), { error: "checkout_unavailable", retryable: true });
  const booking = await h.db.prisma.booking.findUniqueOrThrow({ where: { attemptId }, include: { payments: true } });
  const key = booking.payments[0]!.idempotencyKey;
  // The timed-out request still completes at Stripe; the retry with its key gets that session.
  await eventually(() => h.stripe.sessions.some((s) => s.client_reference_id === booking.id), 5000, "the late session");
  const retry = await inProcessReport(h, { attemptId, ...slot });
  t.equal(retry.statusCode, 200, retry.body);
  const calls = h.stripe.requests.filter((r) => r.path === "/v1/checkout/sessions" && r.idempotencyKey === key);
  t.ok(calls.length >= 2 && calls.every((r) => r.idempotencyKey === key), `${calls.length} calls, one key`);
  t.ok(
    calls.some((r) => r.replayed),
    "the retry was answered from the saved response",
  );
  t.equal(h.stripe.sessions.filter((s) => s.client_reference_id === booking.id).length, 1, "one session");
  t.equal(retry.json().checkoutUrl, h.stripe.sessions.find((s) => s.client_reference_id === booking.id)!.url);
});

t.test("no booking lost or doubled", async (t) => {
  const bookings = await prisma.booking.findMany({ include: { payments: true } });
  const attempts = await prisma.bookingAttempt.count();
  t.ok(bookings.length > 0);
  t.equal(new Set(bookings.map((b) => b.attemptId)).size, bookings.length, "one booking per attempt");
  t.ok(attempts >= bookings.length);
  for (const b of bookings) {
    t.equal(b.payments.length, 1);
    t.ok(c.stripe.sessions.filter((s) => s.client_reference_id === b.id).length <= 1, "at most one session");
  }
});

t.test("logs carry no PII or secrets", async (t) => {
  await c.close();
  const scan = scanLogs(c.logFiles);
  t.ok(scan.lines > 40, `${scan.lines} log lines in ${scan.files} files`);
  t.same(scan.findings.slice(0, 20), [], `no findings (${scan.findings.length})`);
});
