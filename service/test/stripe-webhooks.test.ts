// POST /webhooks/stripe: signatures, delivery log, exactly-once processing, reordering, async
// payments, side effects that fail and are retried, refunds.
import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import t from "tap";
import { signatureHeader } from "../src/providers/webhook-signature.js";
import {
  apiCancellations,
  buildTestApp,
  confirmedBooking,
  pendingBooking,
  waitFor,
  waitForStatus,
} from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);
h.calendly.setWebhookUrl(undefined); // Calendly's own webhooks are not under test here.
const secret = h.config.stripe.webhookSecret;
const webhookUrl = h.stripe.webhookUrl;

const post = (body: string, signature?: string) =>
  h.app.inject({
    method: "POST",
    url: "/webhooks/stripe",
    headers: {
      "content-type": "application/json; charset=utf-8",
      ...(signature ? { "stripe-signature": signature } : {}),
    },
    payload: body,
  });

const now = () => Math.floor(Date.now() / 1000);
const eventId = () => `evt_test_${randomBytes(12).toString("hex")}`;

function event(type: string, object: object): Stripe.Event {
  return {
    id: eventId(),
    object: "event",
    api_version: "2025-10-29.clover",
    created: now(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  } as unknown as Stripe.Event;
}

/** The event the fake raised for a session, by type. */
function raised(sessionId: string, type: string): Stripe.Event {
  const found = h.stripe.events.find((e) => e.type === type && (e.data.object as { id?: string }).id === sessionId);
  if (!found) throw new Error(`no ${type} for ${sessionId}`);
  return found;
}

const deliveries = (providerEventId: string) =>
  h.db.prisma.webhookDelivery.findMany({ where: { providerEventId }, orderBy: { receivedAt: "asc" } });

/** Runs `fn` with Stripe's webhook deliveries switched off (a lost or delayed webhook). */
async function withoutWebhooks<T>(fn: () => Promise<T>): Promise<T> {
  h.stripe.setWebhookUrl(undefined);
  try {
    return await fn();
  } finally {
    h.stripe.setWebhookUrl(webhookUrl);
  }
}

t.test("signatures: refused unless valid and fresh, and every delivery is logged", async (t) => {
  const body = JSON.stringify(event("customer.created", { id: "cus_1", object: "customer" }));
  const before = await h.db.prisma.webhookDelivery.count();
  const cases: [string, string | undefined, string][] = [
    ["no header", undefined, "MISSING"],
    ["a wrong secret", signatureHeader("whsec_wrong", body), "INVALID"],
    ["a garbled header", "t=abc,v1=zz", "INVALID"],
    ["older than 300 s", signatureHeader(secret, body, now() - 301), "STALE"],
    // Well past the bound: a loaded machine may take seconds between signing and checking.
    ["more than 300 s ahead", signatureHeader(secret, body, now() + 360), "STALE"],
    // Stripe checks the match before the age: an old signature of another secret is invalid, not stale.
    ["old and of a wrong secret", signatureHeader("whsec_wrong", body, now() - 301), "INVALID"],
    ["a signature without its time", `v1=${"0".repeat(64)}`, "INVALID"],
  ];
  for (const [what, header, result] of cases) {
    const res = await post(body, header);
    t.equal(res.statusCode, 400, what);
    t.match(res.json(), { received: false, error: "signature_invalid", message: /Stripe-Signature/ }, what);
    const logged = await h.db.prisma.webhookDelivery.findFirstOrThrow({ orderBy: { receivedAt: "desc" } });
    t.match(logged, { provider: "STRIPE", signature: result, responseStatus: 400, eventId: null }, what);
  }
  const tampered = await post(body.replace("cus_1", "cus_2"), signatureHeader(secret, body));
  t.equal(tampered.statusCode, 400, "the signature covers the exact bytes");
  t.equal(await h.db.prisma.webhookDelivery.count(), before + cases.length + 1, "each rejection logged");
  t.equal(await h.db.prisma.webhookEvent.count({ where: { type: "customer.created" } }), 0, "none stored as an event");

  // A valid signature over bytes that are not JSON: the signature is recorded as valid, the body refused.
  const notJson = "{not json";
  const garbage = await post(notJson, signatureHeader(secret, notJson));
  t.equal(garbage.statusCode, 400);
  t.match(garbage.json(), { received: false, error: "invalid_body", message: "body: is not a Stripe event" });
  t.match(await h.db.prisma.webhookDelivery.findFirstOrThrow({ orderBy: { receivedAt: "desc" } }), {
    signature: "VALID",
    responseStatus: 400,
  });

  const fresh = await post(body, signatureHeader(secret, body, now() - 250));
  t.equal(fresh.statusCode, 200, "within the 300 s tolerance");
  t.match(fresh.json(), { received: true, outcome: "ignored" }, "an event type the service does not handle");
  const rows = await deliveries(JSON.parse(body).id);
  t.match(rows, [{ signature: "VALID", responseStatus: 200, type: "customer.created", duplicate: false }]);
});

t.test("a payment is processed once: duplicates answer 200 duplicate without a second effect", async (t) => {
  const { booking, sessionId } = await confirmedBooking(h);
  const completed = raised(sessionId, "checkout.session.completed");
  t.match(await deliveries(completed.id), [
    { responseStatus: 200, duplicate: false, type: "checkout.session.completed" },
  ]);

  const again = await h.stripe.redeliver(completed.id);
  t.equal(again.attempts[0]!.status, 200);
  t.same(JSON.parse(again.attempts[0]!.responseBody!), { received: true, duplicate: true });
  t.match(await deliveries(completed.id), [{ duplicate: false }, { duplicate: true, responseStatus: 200 }]);
  t.equal(await h.db.prisma.webhookEvent.count({ where: { providerEventId: completed.id } }), 1);
  const history = await h.db.prisma.bookingStatusChange.findMany({ where: { bookingId: booking.bookingId } });
  t.same(
    history.map((c) => c.to),
    ["PENDING_PAYMENT", "CONFIRMED"],
  );
});

t.test("concurrent deliveries of one event: one is processed, the rest are duplicates or asked to retry", async (t) => {
  const { booking, sessionId } = await pendingBooking(h);
  await withoutWebhooks(() => h.stripe.pay(sessionId));
  const body = JSON.stringify(raised(sessionId, "checkout.session.completed"));
  const results = await Promise.all(Array.from({ length: 6 }, () => post(body, signatureHeader(secret, body))));
  const outcomes = results.map(
    (r) => `${r.statusCode} ${r.json().outcome ?? (r.json().duplicate ? "duplicate" : r.json().error)}`,
  );
  t.equal(outcomes.filter((o) => o === "200 confirmed").length, 1, outcomes.join(", "));
  t.ok(
    outcomes.every((o) => o === "200 confirmed" || o === "200 duplicate" || o === "409 in_progress"),
    outcomes.join(", "),
  );
  t.equal(await h.db.prisma.bookingStatusChange.count({ where: { bookingId: booking.bookingId, to: "CONFIRMED" } }), 1);
});

t.test("out of order: checkout.session.expired after completed changes nothing", async (t) => {
  const { booking, sessionId, scheduled } = await confirmedBooking(h);
  const session = h.stripe.getSession(sessionId)!;
  const late = event("checkout.session.expired", { ...session, status: "expired", payment_status: "unpaid" });
  const result = await h.stripe.deliver(late);
  t.equal(result.attempts[0]!.status, 200);
  t.match(JSON.parse(result.attempts[0]!.responseBody!), { received: true, outcome: "no_change" });
  t.equal((await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "CONFIRMED");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 0, "the slot is kept");
  t.equal((await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } })).status, "PAID");
});

t.test("out of order: completed after expired is a late payment, refunded automatically", async (t) => {
  const { booking, sessionId, scheduled } = await pendingBooking(h);
  await withoutWebhooks(() => h.stripe.pay(sessionId));
  const paidSession = h.stripe.getSession(sessionId)!;
  // The expiry arrives first (as if the payment raced the end of the hold).
  const expired = await h.stripe.deliver(
    event("checkout.session.expired", {
      ...paidSession,
      status: "expired",
      payment_status: "unpaid",
      payment_intent: null,
    }),
  );
  t.match(JSON.parse(expired.attempts[0]!.responseBody!), { outcome: "expired" });
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1, "the slot was released");

  const completed = raised(sessionId, "checkout.session.completed");
  const late = await h.stripe.redeliver(completed.id);
  t.equal(late.attempts[0]!.status, 200, late.attempts[0]!.responseBody ?? "");
  t.match(JSON.parse(late.attempts[0]!.responseBody!), { outcome: "late_payment_refunded" });
  const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
  const refunds = h.stripe.refunds.filter((r) => r.payment_intent === paidSession.payment_intent);
  t.equal(refunds.length, 1, "one refund");
  t.match(refunds[0], { amount: 15000, status: "succeeded" });
  const refundRequest = h.stripe.requests.find(
    (r) => r.path === "/v1/refunds" && r.params.payment_intent === paidSession.payment_intent,
  );
  t.equal(
    refundRequest?.idempotencyKey,
    `refund_late_${payment.id}@0`,
    "with an idempotency key naming what was refunded before",
  );
  t.match(payment, { status: "REFUNDED", amountRefunded: 15000 });
  t.equal((await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "EXPIRED");
  t.match(await h.db.prisma.refund.findMany({ where: { paymentId: payment.id } }), [
    { amount: 15000, status: "SUCCEEDED", reason: /after the hold/ },
  ]);

  const twice = await h.stripe.redeliver(completed.id);
  t.match(JSON.parse(twice.attempts[0]!.responseBody!), { duplicate: true });
  t.equal(h.stripe.refunds.filter((r) => r.payment_intent === paidSession.payment_intent).length, 1, "still one");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1);
});

t.test("a payment recorded before its session id is found by the booking's checkout key", async (t) => {
  // As if the request that created the Checkout Session died before it stored the session's id.
  const { booking, sessionId } = await pendingBooking(h);
  await h.db.prisma.payment.updateMany({
    where: { bookingId: booking.bookingId },
    data: { checkoutSessionId: null, checkoutUrl: null },
  });
  await withoutWebhooks(() => h.stripe.pay(sessionId));
  const completed = await h.stripe.redeliver(raised(sessionId, "checkout.session.completed").id);
  t.match(JSON.parse(completed.attempts[0]!.responseBody!), { received: true, outcome: "confirmed" });
  const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
  t.match(payment, { checkoutSessionId: sessionId, status: "PAID", amount: 15000 }, "the session id is filled in");
  t.type(payment.paidAt, Date);
  t.equal((await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "CONFIRMED");
});

t.test("async payment that succeeds: the slot is kept while it settles, then CONFIRMED", async (t) => {
  const { booking, sessionId } = await pendingBooking(h);
  const started = await h.stripe.pay(sessionId, { async: true, settleAfterMs: -1 });
  t.equal(started.outcome, "processing");
  await waitFor(async () => {
    const p = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
    return p.status === "UNPAID";
  });
  const waiting = await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } });
  t.equal(waiting.status, "PENDING_PAYMENT");
  t.equal(waiting.holdExpiresAt, null, "no longer released by the sweeper");
  await h.stripe.settle(sessionId);
  await waitForStatus(h, booking.bookingId, "CONFIRMED");
  t.equal((await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } })).status, "PAID");
});

t.test("async payment that fails: FAILED and the Calendly event cancelled once", async (t) => {
  const { booking, sessionId, scheduled } = await pendingBooking(h);
  await h.stripe.pay(sessionId, { async: true, settleAfterMs: -1 });
  await h.stripe.settle(sessionId, { fail: true });
  await waitForStatus(h, booking.bookingId, "FAILED");
  t.equal((await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } })).status, "FAILED");
  t.match(apiCancellations(h, scheduled.eventUri), [{ cancelerType: "host", reason: "Payment failed" }]);
  t.equal(h.calendly.event(scheduled.eventUri)!.status, "canceled");
  const failed = raised(sessionId, "checkout.session.async_payment_failed");
  const again = await h.stripe.redeliver(failed.id);
  t.match(JSON.parse(again.attempts[0]!.responseBody!), { duplicate: true });
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1, "cancelled exactly once");
});

t.test("a side effect that fails is retried by the redelivery, and done exactly once", async (t) => {
  h.useCalendlyClient({ maxRetries: 0 });
  t.teardown(() => h.useCalendlyClient());
  const { booking, sessionId, scheduled } = await pendingBooking(h);
  h.calendly.faults.next({ method: "POST", path: /\/cancellation$/, status: 500 });
  await h.stripe.expire(sessionId);
  const expired = raised(sessionId, "checkout.session.expired");
  const first = h.stripe.deliveries.find((d) => d.eventId === expired.id)!;
  t.equal(first.status, 500, "the expired webhook answers 500 while Calendly fails");
  t.equal(await waitForStatus(h, booking.bookingId, "EXPIRED"), true, "the state change itself is committed");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 0);

  // Stripe retries; the retry performs the pending cancellation.
  await waitFor(() => h.stripe.deliveries.some((d) => d.eventId === expired.id && d.ok), 5000, "a successful retry");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1);
  const effect = await h.db.prisma.sideEffect.findUniqueOrThrow({
    where: { key: `cancel_event_${booking.bookingId}` },
  });
  t.match(effect, { status: "DONE", attempts: 2 });

  const redelivered = await h.stripe.redeliver(expired.id);
  t.equal(redelivered.attempts[0]!.status, 200);
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1, "exactly one cancellation");
  t.same(
    (await deliveries(expired.id)).map((d) => d.responseStatus),
    [500, 200, 200],
  );
});

t.test("charge.refunded is recorded on the payment", async (t) => {
  const { booking, sessionId } = await confirmedBooking(h);
  const pi = h.stripe.getSession(sessionId)!.payment_intent as string;
  await h.app.providers.stripe.refunds.create({ payment_intent: pi, amount: 5000 });
  await waitFor(async () => {
    const p = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
    return p.status === "PARTIALLY_REFUNDED" && p.amountRefunded === 5000;
  });
  const view = await h.app.inject({
    url: `/v1/bookings/${booking.bookingId}`,
    headers: { authorization: `Bearer ${booking.bookingToken}` },
  });
  t.same(view.json().amountRefunded, { amount: 5000, currency: "usd" });
  await h.app.providers.stripe.refunds.create({ payment_intent: pi });
  await waitFor(async () => {
    const p = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
    return p.status === "REFUNDED" && p.amountRefunded === 15000;
  });
  const refundedEvents = h.stripe.events.filter(
    (e) => e.type === "charge.refunded" && (e.data.object as Stripe.Charge).payment_intent === pi,
  );
  t.equal(refundedEvents.length, 2);
  await h.stripe.deliveriesSettled();
  for (const e of refundedEvents) t.match(await deliveries(e.id), [{ responseStatus: 200 }]);
});

t.test("sessions that are not ours are acknowledged and ignored", async (t) => {
  const foreign = event("checkout.session.completed", {
    id: "cs_test_someoneelse0000000000",
    object: "checkout.session",
    status: "complete",
    payment_status: "paid",
    metadata: {},
    client_reference_id: null,
  });
  const body = JSON.stringify(foreign);
  const res = await post(body, signatureHeader(secret, body));
  t.equal(res.statusCode, 200);
  t.match(res.json(), { received: true, outcome: "unknown_session" });
});

t.test("an event the service cannot store answers a readable, retryable 500", async (t) => {
  // Postgres's jsonb refuses \u0000; whatever fails outside the handler still answers in our shape.
  const body = JSON.stringify(event("customer.created", { id: "cus_nul", object: "customer", name: "a\u0000b" }));
  const res = await post(body, signatureHeader(secret, body));
  t.equal(res.statusCode, 500);
  t.match(res.json(), { statusCode: 500, error: "internal_error", retryable: true, requestId: /./ });
});
