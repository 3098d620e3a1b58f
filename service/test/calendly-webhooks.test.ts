// POST /webhooks/calendly: signatures, reconciling slots the widget never reported, cancellations
// refunded per the builder's policy, reschedules.
import { randomUUID } from "node:crypto";
import t from "tap";
import type { RefundPolicy } from "../src/generated/prisma/client.js";
import type { CalendlyWebhookBody } from "../src/providers/calendly.js";
import { signatureHeader } from "../src/providers/webhook-signature.js";
import {
  apiCancellations,
  buildTestApp,
  confirmedBooking,
  pendingBooking,
  reportBooking,
  scheduleSlot,
  sessionIdOf,
  startAttempt,
  type TestApp,
  waitFor,
  waitForStatus,
} from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);
const key = h.config.calendly.webhookSigningKey;
const liam = await h.db.prisma.builder.findUniqueOrThrow({ where: { slug: "liam" } });

const post = (body: string, signature?: string) =>
  h.app.inject({
    method: "POST",
    url: "/webhooks/calendly",
    headers: { "content-type": "application/json", ...(signature ? { "calendly-webhook-signature": signature } : {}) },
    payload: body,
  });
const now = () => Math.floor(Date.now() / 1000);

/** The delivery the fake sent for an invitee and event name. */
function delivery(h: TestApp, event: string, inviteeUri: string) {
  return h.calendly.deliveries.find((d) => d.event === event && d.payload.payload.uri === inviteeUri);
}

async function setPolicy(
  t: { teardown(fn: () => unknown): void },
  refundPolicy: RefundPolicy,
  refundCutoffHours: number | null = null,
) {
  await h.db.prisma.builder.update({ where: { id: liam.id }, data: { refundPolicy, refundCutoffHours } });
  t.teardown(() =>
    h.db.prisma.builder.update({ where: { id: liam.id }, data: { refundPolicy: "FULL", refundCutoffHours: null } }),
  );
}

const refundsFor = (h: TestApp, sessionId: string) => {
  const pi = h.stripe.getSession(sessionId)!.payment_intent;
  return h.stripe.refunds.filter((r) => r.payment_intent === pi);
};

t.test("signatures: 180 s tolerance, exact bytes, every delivery logged", async (t) => {
  const body = JSON.stringify({
    event: "routing_form_submission.created",
    created_at: new Date().toISOString(),
    payload: {
      uri: "https://api.calendly.com/routing_form_submissions/1",
      scheduled_event: { uri: "https://api.calendly.com/scheduled_events/1" },
    },
  });
  const before = await h.db.prisma.webhookDelivery.count({ where: { provider: "CALENDLY" } });
  const cases: [string, string | undefined, string][] = [
    ["no header", undefined, "MISSING"],
    ["a wrong key", signatureHeader("not-the-key", body), "INVALID"],
    ["a malformed header", "v1=abc", "INVALID"],
    ["181 s old", signatureHeader(key, body, now() - 185), "STALE"],
    ["from the future", signatureHeader(key, body, now() + 240), "STALE"],
  ];
  for (const [what, header, result] of cases) {
    const res = await post(body, header);
    t.equal(res.statusCode, 400, what);
    t.match(res.json(), { received: false, error: "signature_invalid", message: /Calendly-Webhook-Signature/ }, what);
    const logged = await h.db.prisma.webhookDelivery.findFirstOrThrow({ orderBy: { receivedAt: "desc" } });
    t.match(logged, { provider: "CALENDLY", signature: result, responseStatus: 400 }, what);
  }
  const tampered = await post(body.replace("routing", "Routing"), signatureHeader(key, body));
  t.equal(tampered.statusCode, 400);
  const ok = await post(body, signatureHeader(key, body, now() - 170));
  t.equal(ok.statusCode, 200, "170 s is within the tolerance");
  t.match(ok.json(), { received: true, outcome: "ignored" });
  const notAnEvent = await post("[1,2,3]", signatureHeader(key, "[1,2,3]"));
  t.equal(notAnEvent.statusCode, 400);
  t.equal(notAnEvent.json().error, "invalid_body");
  t.equal(await h.db.prisma.webhookDelivery.count({ where: { provider: "CALENDLY" } }), before + cases.length + 3);
});

t.test("invitee.created when the widget never reported back: the booking is created under a hold", async (t) => {
  const { attemptId } = await startAttempt(h);
  const slot = await scheduleSlot(h, attemptId, { name: "Quiet Visitor" });
  const booking = await waitFor(
    () =>
      h.db.prisma.booking.findUnique({
        where: { calendlyInviteeUri: slot.inviteeUri },
        include: { payments: true, history: true },
      }),
    5000,
    "the webhook's booking",
  );
  t.match(booking, {
    attemptId,
    builderId: liam.id,
    status: "PENDING_PAYMENT",
    inviteeName: "Quiet Visitor",
    calendlyEventUri: slot.eventUri,
  });
  const hold = booking.holdExpiresAt!.getTime() - Date.now();
  t.ok(hold > 0 && hold <= h.config.holdSeconds * 1000, "a hold that the sweeper will release if nobody pays");
  t.match(booking.payments, [{ status: "OPEN", checkoutSessionId: null, amount: 15000 }]);
  t.match(booking.history, [{ to: "PENDING_PAYMENT", cause: /invitee\.created webhook/ }]);

  // The widget's late report finds it and opens Checkout.
  const res = await reportBooking(h, { attemptId, ...slot });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { bookingId: booking.id, status: "PENDING_PAYMENT" });
  t.equal(h.stripe.getSession(sessionIdOf(res.json().checkoutUrl))!.amount_total, 15000);

  const created = delivery(h, "invitee.created", slot.inviteeUri)!;
  await h.calendly.redeliver(created.index);
  const rows = await h.db.prisma.webhookDelivery.findMany({
    where: { providerEventId: `invitee.created:${slot.inviteeUri}` },
  });
  t.same(
    rows.map((r) => [r.responseStatus, r.duplicate]),
    [
      [200, false],
      [200, true],
    ],
    "the redelivery is a duplicate",
  );
  t.equal(await h.db.prisma.booking.count({ where: { calendlyInviteeUri: slot.inviteeUri } }), 1);
});

t.test("invitee.created without our tracking: a booking for the builder, with no attempt", async (t) => {
  const slot = await scheduleSlot(h, null);
  const booking = await waitFor(() =>
    h.db.prisma.booking.findUnique({ where: { calendlyInviteeUri: slot.inviteeUri } }),
  );
  t.match(booking, { attemptId: null, siteId: null, builderId: liam.id, status: "PENDING_PAYMENT" });
});

t.test("invitee.created for another account's event, or already canceled: nothing stored", async (t) => {
  const slot = await scheduleSlot(h, null);
  await waitFor(() => h.db.prisma.booking.findUnique({ where: { calendlyInviteeUri: slot.inviteeUri } }));
  const template = delivery(h, "invitee.created", slot.inviteeUri)!.payload;
  const craft = (change: (b: CalendlyWebhookBody) => void) => {
    const b = structuredClone(template);
    const eventUuid = randomUUID();
    b.payload.scheduled_event.uri = `${h.calendly.apiBase}/scheduled_events/${eventUuid}`;
    b.payload.uri = `${b.payload.scheduled_event.uri}/invitees/${randomUUID()}`;
    b.payload.tracking.utm_content = null;
    change(b);
    const body = JSON.stringify(b);
    return post(body, signatureHeader(key, body));
  };
  const before = await h.db.prisma.booking.count();
  const foreign = await craft((b) => {
    b.payload.scheduled_event.event_type = `${h.calendly.apiBase}/event_types/${randomUUID()}`;
  });
  t.match(foreign.json(), { received: true, outcome: "not_ours" });
  const canceled = await craft((b) => {
    b.payload.status = "canceled";
  });
  t.match(canceled.json(), { received: true, outcome: "already_canceled" });
  t.equal(await h.db.prisma.booking.count(), before);
});

t.test("invitee.canceled for a CONFIRMED booking: CANCELLED, then refunded per the builder's policy", async (t) => {
  t.test("FULL: the whole payment back, with an idempotency key → REFUNDED", async (t) => {
    await setPolicy(t, "FULL");
    const { booking, sessionId, scheduled } = await confirmedBooking(h);
    await h.calendly.cancel(scheduled.eventUri, { reason: "Something came up" });
    await waitForStatus(h, booking.bookingId, "REFUNDED");
    const refunds = refundsFor(h, sessionId);
    t.equal(refunds.length, 1);
    t.match(refunds[0], { amount: 15000, status: "succeeded", metadata: { booking_id: booking.bookingId } });
    const request = h.stripe.requests.find(
      (r) => r.path === "/v1/refunds" && r.params.payment_intent === refunds[0]!.payment_intent,
    );
    t.equal(request?.idempotencyKey, `refund_cancel_${booking.bookingId}@0`);
    const stored = await h.db.prisma.booking.findUniqueOrThrow({
      where: { id: booking.bookingId },
      include: { history: { orderBy: { createdAt: "asc" } }, payments: true },
    });
    t.same(
      stored.history.map((c) => c.to),
      ["PENDING_PAYMENT", "CONFIRMED", "CANCELLED", "REFUNDED"],
    );
    t.match(stored.history[2]!.cause, /full refund policy/);
    t.equal(stored.cancelReason, "Something came up");
    t.match(stored.payments, [{ status: "REFUNDED", amountRefunded: 15000 }]);
    t.equal(apiCancellations(h, scheduled.eventUri).length, 0, "the invitee cancelled; the service did not");

    const canceled = delivery(h, "invitee.canceled", scheduled.inviteeUri)!;
    await h.calendly.redeliver(canceled.index);
    t.equal(refundsFor(h, sessionId).length, 1, "a redelivery refunds nothing more");
  });

  t.test("NONE: cancelled, nothing refunded", async (t) => {
    await setPolicy(t, "NONE");
    const { booking, sessionId, scheduled } = await confirmedBooking(h);
    await h.calendly.cancel(scheduled.eventUri);
    await waitForStatus(h, booking.bookingId, "CANCELLED");
    await h.calendly.flushWebhooks();
    t.equal(refundsFor(h, sessionId).length, 0);
    const history = await h.db.prisma.bookingStatusChange.findMany({
      where: { bookingId: booking.bookingId, to: "CANCELLED" },
    });
    t.match(history, [{ cause: /no-refund policy/ }]);
    t.equal((await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } })).status, "PAID");
  });

  t.test("CUTOFF: refunded when cancelled early enough", async (t) => {
    await setPolicy(t, "CUTOFF", 1);
    const { booking, sessionId, scheduled } = await confirmedBooking(h);
    await h.calendly.cancel(scheduled.eventUri);
    await waitForStatus(h, booking.bookingId, "REFUNDED");
    t.equal(refundsFor(h, sessionId)[0]?.amount, 15000);
  });

  t.test("CUTOFF: nothing back when cancelled too late", async (t) => {
    await setPolicy(t, "CUTOFF", 24 * 365);
    const { booking, sessionId, scheduled } = await confirmedBooking(h);
    await h.calendly.cancel(scheduled.eventUri);
    await waitForStatus(h, booking.bookingId, "CANCELLED");
    await h.calendly.flushWebhooks();
    t.equal(refundsFor(h, sessionId).length, 0);
    t.match(
      await h.db.prisma.bookingStatusChange.findFirst({ where: { bookingId: booking.bookingId, to: "CANCELLED" } }),
      { cause: /less than 8760 h before the start/ },
    );
  });

  t.test("cancelled by the host: a full refund whatever the policy", async (t) => {
    await setPolicy(t, "NONE");
    const { booking, sessionId, scheduled } = await confirmedBooking(h);
    await h.app.providers.calendly.cancelEvent(scheduled.eventUri, "Builder is ill");
    await waitForStatus(h, booking.bookingId, "REFUNDED");
    t.equal(refundsFor(h, sessionId)[0]?.amount, 15000);
    t.match(
      await h.db.prisma.bookingStatusChange.findFirst({ where: { bookingId: booking.bookingId, to: "CANCELLED" } }),
      { cause: /the builder cancelled/ },
    );
  });

  t.test("a refund Stripe refuses at first is done by Calendly's retry, once", async (t) => {
    await setPolicy(t, "FULL");
    const { booking, sessionId, scheduled } = await confirmedBooking(h);
    // Three failures: the first try and the stripe client's own two retries.
    h.stripe.faults.next({ method: "POST", path: "/v1/refunds", status: 500, times: 3 });
    await h.calendly.cancel(scheduled.eventUri);
    await waitForStatus(h, booking.bookingId, "REFUNDED", 10_000);
    const canceled = delivery(h, "invitee.canceled", scheduled.inviteeUri)!;
    await h.calendly.flushWebhooks();
    t.same(
      canceled.attempts.map((a) => a.status),
      [500, 200],
      "the first delivery failed, Calendly's retry succeeded",
    );
    t.equal(refundsFor(h, sessionId).length, 1);
  });
});

t.test("invitee.canceled before payment: CANCELLED and the Checkout Session expired", async (t) => {
  const { booking, sessionId, scheduled } = await pendingBooking(h);
  await h.calendly.cancel(scheduled.eventUri);
  await waitForStatus(h, booking.bookingId, "CANCELLED");
  await waitFor(() => h.stripe.getSession(sessionId)!.status === "expired", 5000, "the session expired");
  t.equal((await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } })).status, "EXPIRED");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 0);
});

t.test("a reschedule keeps the payment and moves the booking to the new slot", async (t) => {
  const { booking, sessionId, scheduled } = await confirmedBooking(h);
  const newStart = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 2, 3, 14, 0, 0));
  const moved = await h.calendly.reschedule(scheduled.inviteeUri, newStart);
  const stored = await waitFor(async () => {
    const b = await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } });
    return b.calendlyInviteeUri === moved.inviteeUri ? b : null;
  });
  t.match(stored, { status: "CONFIRMED", calendlyEventUri: moved.eventUri });
  t.equal(stored.startTime.toISOString(), newStart.toISOString());
  t.equal(stored.endTime.getTime() - stored.startTime.getTime(), 60 * 60 * 1000);
  await h.calendly.flushWebhooks();
  t.equal(refundsFor(h, sessionId).length, 0, "no refund");
  t.equal((await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } })).status, "PAID");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 0, "the service cancelled nothing");
  const view = await h.app.inject({
    url: `/v1/bookings/${booking.bookingId}`,
    headers: { authorization: `Bearer ${booking.bookingToken}` },
  });
  t.match(view.json(), { status: "CONFIRMED", startTime: newStart.toISOString() });
  t.match(view.json().history.at(-1), { from: "CONFIRMED", to: "CONFIRMED", cause: /rescheduled/ });

  // Cancelling the new slot later still finds the booking.
  await h.calendly.cancel(moved.eventUri);
  await waitForStatus(h, booking.bookingId, "REFUNDED");
});
