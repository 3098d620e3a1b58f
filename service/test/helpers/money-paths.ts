// Money moved outside the happy path, run on PGlite and on real PostgreSQL: refunds made from
// the Stripe Dashboard (partial and full, in both delivery orders), a cancellation after a
// partial refund, a reschedule onto a slot another booking holds, a cancellation of an event
// that already started, and a refund for a payment that is not ours. Amounts are checked
// against the fake Stripe's ledger (captured = refunded + kept), not only statuses.
import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import type { Test } from "tap";
import { signatureHeader } from "../../src/providers/webhook-signature.js";
import {
  apiCancellations,
  buildTestApp,
  confirmedBooking,
  type PendingBooking,
  pendingBooking,
  type TestApp,
  testMetricsToken,
  waitFor,
  waitForStatus,
} from "./app.js";
import { checkLedger } from "./ledger.js";

const PRICE = 15_000;

function intentOf(h: TestApp, sessionId: string): string {
  return h.stripe.getSession(sessionId)!.payment_intent as string;
}

function chargeOf(h: TestApp, sessionId: string): Stripe.Charge {
  const pi = intentOf(h, sessionId);
  return h.stripe.charges.find((c) => c.payment_intent === pi)!;
}

/** A refund made in the Stripe Dashboard (the service's code has no part in it). */
function dashboardRefund(h: TestApp, sessionId: string, amount?: number) {
  return h.app.providers.stripe.refunds.create({
    payment_intent: intentOf(h, sessionId),
    ...(amount ? { amount } : {}),
  });
}

function payment(h: TestApp, bookingId: string) {
  return h.db.prisma.payment.findFirstOrThrow({ where: { bookingId }, include: { refunds: true, history: true } });
}

/** Runs `fn` with Stripe's webhook deliveries held back (an event still in flight). */
async function withoutStripeWebhooks<T>(h: TestApp, fn: () => Promise<T>): Promise<T> {
  const url = h.stripe.webhookUrl;
  h.stripe.setWebhookUrl(undefined);
  try {
    return await fn();
  } finally {
    h.stripe.setWebhookUrl(url);
  }
}

/** Runs `fn` with Calendly's webhook deliveries held back. */
async function withoutCalendlyWebhooks<T>(h: TestApp, fn: () => Promise<T>): Promise<T> {
  await h.calendly.flushWebhooks();
  h.calendly.setWebhookUrl(undefined);
  try {
    return await fn();
  } finally {
    h.calendly.setWebhookUrl(`${h.url}/webhooks/calendly`);
  }
}

/** The ledger for one booking agrees with Stripe, and the amounts are the ones expected. */
async function expectMoney(
  t: Test,
  h: TestApp,
  b: PendingBooking,
  want: { captured: number; refunded: number; status: string; payment: string },
) {
  const charge = chargeOf(h, b.sessionId);
  t.equal(charge.amount_captured, want.captured, "Stripe captured");
  t.equal(charge.amount_refunded, want.refunded, "Stripe refunded");
  const p = await payment(h, b.booking.bookingId);
  t.match(p, { amountCaptured: want.captured, amountRefunded: want.refunded, status: want.payment }, "the payment");
  t.equal(
    p.refunds.reduce((sum, r) => sum + r.amount, 0),
    want.refunded,
    "refund rows add up to what Stripe refunded",
  );
  t.equal(p.amountCaptured - p.amountRefunded, want.captured - want.refunded, "captured = refunded + kept");
  t.equal((await h.db.prisma.booking.findUniqueOrThrow({ where: { id: b.booking.bookingId } })).status, want.status);
  const report = await checkLedger(h.db.prisma, h.stripe.charges);
  t.same(report.problems, [], "the whole ledger agrees");
}

export function moneyPaths(t: Test, database: "pglite" | "postgres"): void {
  let h: TestApp;
  t.before(async () => {
    h = await buildTestApp({ database });
  });
  t.teardown(() => h.close());

  t.test("a partial Dashboard refund, then the invitee cancels: the remainder is refunded", async (t) => {
    t.test("charge.refunded delivered before the cancellation", async (t) => {
      const b = await confirmedBooking(h);
      await dashboardRefund(h, b.sessionId, 5_000);
      await waitFor(async () => (await payment(h, b.booking.bookingId)).amountRefunded === 5_000);
      await expectMoney(t, h, b, {
        captured: PRICE,
        refunded: 5_000,
        status: "CONFIRMED",
        payment: "PARTIALLY_REFUNDED",
      });

      await h.calendly.cancel(b.scheduled.eventUri);
      await waitForStatus(h, b.booking.bookingId, "REFUNDED");
      await expectMoney(t, h, b, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
      const ours = h.stripe.refunds.filter((r) => r.metadata?.booking_id === b.booking.bookingId);
      t.same(
        ours.map((r) => r.amount),
        [10_000],
        "the service refunded the remainder, 10,000",
      );
      await h.calendly.flushWebhooks();
      const canceled = h.calendly.deliveries.find(
        (d) => d.event === "invitee.canceled" && d.payload.payload.uri === b.scheduled.inviteeUri,
      )!;
      t.same(
        canceled.attempts.map((a) => a.status),
        [200],
        "Calendly's delivery answered 200 at once",
      );
    });

    t.test("charge.refunded still in flight when the cancellation arrives", async (t) => {
      const b = await confirmedBooking(h);
      await withoutStripeWebhooks(h, () => dashboardRefund(h, b.sessionId, 5_000));
      t.equal((await payment(h, b.booking.bookingId)).amountRefunded, 0, "the service has not heard of it");

      await h.calendly.cancel(b.scheduled.eventUri);
      await waitForStatus(h, b.booking.bookingId, "REFUNDED");
      await expectMoney(t, h, b, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
      const refundCall = h.stripe.requests.find(
        (r) => r.path === "/v1/refunds" && r.idempotencyKey?.startsWith(`refund_cancel_${b.booking.bookingId}`),
      );
      t.equal(refundCall?.params.amount, "10000", "asked Stripe for what was left, not the whole price");

      // The Dashboard's event arrives late: acknowledged, nothing changes.
      const late = h.stripe.events.find(
        (e) =>
          e.type === "charge.refunded" &&
          (e.data.object as Stripe.Charge).payment_intent === intentOf(h, b.sessionId) &&
          (e.data.object as Stripe.Charge).amount_refunded === 5_000,
      )!;
      const delivered = await h.stripe.redeliver(late.id);
      t.equal(delivered.attempts[0]?.status, 200);
      await expectMoney(t, h, b, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
    });
  });

  t.test("a full Dashboard refund ends a CONFIRMED booking and frees its Calendly slot", async (t) => {
    t.test("after the payment's own event", async (t) => {
      const b = await confirmedBooking(h);
      await dashboardRefund(h, b.sessionId);
      await waitForStatus(h, b.booking.bookingId, "REFUNDED");
      await expectMoney(t, h, b, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
      const history = await h.db.prisma.bookingStatusChange.findMany({
        where: { bookingId: b.booking.bookingId },
        orderBy: { createdAt: "asc" },
      });
      t.match(history.at(-1), { from: "CONFIRMED", to: "REFUNDED", cause: /refunded in full/ });
      await waitFor(() => apiCancellations(h, b.scheduled.eventUri).length === 1, 5000, "the event cancelled");
      t.equal(h.calendly.event(b.scheduled.eventUri)?.status, "canceled");
      const p = await payment(h, b.booking.bookingId);
      t.same(
        p.history.map((c) => [c.from, c.to, c.amountCaptured, c.amountRefunded]),
        [
          [null, "OPEN", 0, 0],
          ["OPEN", "PAID", PRICE, 0],
          ["PAID", "REFUNDED", PRICE, PRICE],
        ],
        "the payment's history, with its amounts",
      );
    });

    t.test("charge.refunded overtaking checkout.session.completed", async (t) => {
      const b = await pendingBooking(h);
      await withoutStripeWebhooks(h, async () => {
        await h.stripe.pay(b.sessionId);
        await dashboardRefund(h, b.sessionId);
      });
      const completed = h.stripe.events.find(
        (e) => e.type === "checkout.session.completed" && (e.data.object as { id: string }).id === b.sessionId,
      )!;
      const refunded = h.stripe.events.find(
        (e) =>
          e.type === "charge.refunded" && (e.data.object as Stripe.Charge).payment_intent === intentOf(h, b.sessionId),
      )!;
      t.equal((await h.stripe.redeliver(refunded.id)).attempts[0]?.status, 200);
      t.equal((await h.stripe.redeliver(completed.id)).attempts[0]?.status, 200);
      await waitForStatus(h, b.booking.bookingId, "REFUNDED");
      await expectMoney(t, h, b, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
      await waitFor(() => apiCancellations(h, b.scheduled.eventUri).length === 1, 5000, "the event cancelled");
    });
  });

  t.test("a reschedule onto a slot another booking holds CONFIRMED answers 2xx", async (t) => {
    t.test("the other booking's cancellation still in flight: settled from Calendly, then moved", async (t) => {
      const a = await confirmedBooking(h);
      const b = await confirmedBooking(h);
      const slot = h.calendly.event(a.scheduled.eventUri)!.start_time;
      // A's invitee cancels in Calendly; its webhook has not reached the service.
      const heldBack = await withoutCalendlyWebhooks(h, async () => {
        await h.calendly.cancel(a.scheduled.eventUri);
        return h.calendly.deliveries.at(-1)!;
      });

      const moved = await h.calendly.reschedule(b.scheduled.inviteeUri, slot);
      await h.calendly.flushWebhooks();
      const created = h.calendly.deliveries.find(
        (d) => d.event === "invitee.created" && d.payload.payload.uri === moved.inviteeUri,
      )!;
      t.same(
        created.attempts.map((x) => x.status),
        [200],
        "the new time's invitee.created answered 200 at once",
      );
      await waitForStatus(h, a.booking.bookingId, "REFUNDED");
      const bAfter = await h.db.prisma.booking.findUniqueOrThrow({ where: { id: b.booking.bookingId } });
      t.match(bAfter, { status: "CONFIRMED", calendlyEventUri: moved.eventUri });
      t.equal(bAfter.startTime.toISOString(), new Date(slot).toISOString());
      await expectMoney(t, h, a, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
      await expectMoney(t, h, b, { captured: PRICE, refunded: 0, status: "CONFIRMED", payment: "PAID" });

      // A's own cancellation arrives at last: acknowledged, nothing more refunded.
      const late = await h.calendly.redeliver(heldBack.index);
      t.equal(late.status, 200);
      await expectMoney(t, h, a, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
    });

    t.test("the other booking's cancellation delivered first: a plain move", async (t) => {
      const a = await confirmedBooking(h);
      const b = await confirmedBooking(h);
      const slot = h.calendly.event(a.scheduled.eventUri)!.start_time;
      await h.calendly.cancel(a.scheduled.eventUri);
      await waitForStatus(h, a.booking.bookingId, "REFUNDED");
      const moved = await h.calendly.reschedule(b.scheduled.inviteeUri, slot);
      await h.calendly.flushWebhooks();
      const bAfter = await h.db.prisma.booking.findUniqueOrThrow({ where: { id: b.booking.bookingId } });
      t.match(bAfter, { status: "CONFIRMED", calendlyEventUri: moved.eventUri });
      await expectMoney(t, h, a, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
      await expectMoney(t, h, b, { captured: PRICE, refunded: 0, status: "CONFIRMED", payment: "PAID" });
    });

    t.test("the other booking still active in Calendly: cancelled and refunded, and counted", async (t) => {
      const a = await confirmedBooking(h);
      const b = await confirmedBooking(h);
      const slot = h.calendly.event(a.scheduled.eventUri)!.start_time;
      const later = new Date(Date.parse(slot) + 7 * 24 * 3_600_000);
      // Calendly let B onto A's time (e.g. the host overrode availability): the webhooks carry it.
      const moved = await withoutCalendlyWebhooks(h, () => h.calendly.reschedule(b.scheduled.inviteeUri, later));
      const created = h.calendly.deliveries.find(
        (d) => d.event === "invitee.created" && d.payload.payload.uri === moved.inviteeUri,
      )!;
      const body = JSON.parse(created.body) as {
        payload: { scheduled_event: { start_time: string; end_time: string } };
      };
      body.payload.scheduled_event.start_time = slot;
      body.payload.scheduled_event.end_time = new Date(Date.parse(slot) + 3_600_000).toISOString();
      const raw = JSON.stringify(body);
      const deliver = () =>
        h.app.inject({
          method: "POST",
          url: "/webhooks/calendly",
          headers: {
            "content-type": "application/json",
            "calendly-webhook-signature": signatureHeader(h.config.calendly.webhookSigningKey, raw),
          },
          payload: raw,
        });
      const first = await deliver();
      if (first.statusCode === 409) {
        // Settled, but the background worker had claimed the cancellation it queued: the answer asks
        // for a retry, as Calendly would make, which finds the cancellation done or takes it over.
        t.match(
          first.json(),
          { received: false, error: "in_progress" },
          "settled; an effect in another worker's hands",
        );
        let retry = first;
        for (let i = 0; i < 50 && retry.statusCode === 409; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          retry = await deliver();
        }
        t.equal(retry.statusCode, 200, "a retry is acknowledged");
      } else {
        t.equal(first.statusCode, 200);
        t.match(first.json(), { received: true, outcome: "reschedule_conflict_cancelled" });
      }
      await waitForStatus(h, b.booking.bookingId, "REFUNDED");
      await expectMoney(t, h, a, { captured: PRICE, refunded: 0, status: "CONFIRMED", payment: "PAID" });
      await expectMoney(t, h, b, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
      await waitFor(() => apiCancellations(h, moved.eventUri).length === 1, 5000, "B's new event cancelled");
      const confirmedOnSlot = await h.db.prisma.booking.count({
        where: { startTime: new Date(slot), status: "CONFIRMED" },
      });
      t.equal(confirmedOnSlot, 1, "never two CONFIRMED bookings on one slot");
      const metrics = await h.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${testMetricsToken}` } });
      t.match(metrics.body, /baw_reschedule_conflicts_total 1/);
      // A redelivery changes nothing.
      const again = await h.app.inject({
        method: "POST",
        url: "/webhooks/calendly",
        headers: {
          "content-type": "application/json",
          "calendly-webhook-signature": signatureHeader(h.config.calendly.webhookSigningKey, raw),
        },
        payload: raw,
      });
      t.equal(again.statusCode, 200);
      await expectMoney(t, h, b, { captured: PRICE, refunded: PRICE, status: "REFUNDED", payment: "REFUNDED" });
    });
  });

  t.test("a bank debit that fails after the meeting started: the past event is left as it is, 2xx", async (t) => {
    const b = await pendingBooking(h, { startTime: new Date(Date.now() - 2 * 3_600_000) });
    await h.stripe.pay(b.sessionId, { async: true, settleAfterMs: -1 });
    await waitFor(async () => (await payment(h, b.booking.bookingId)).status === "UNPAID");
    await h.stripe.settle(b.sessionId, { fail: true });
    await waitForStatus(h, b.booking.bookingId, "FAILED");
    await h.stripe.deliveriesSettled();
    const failed = h.stripe.events.find(
      (e) => e.type === "checkout.session.async_payment_failed" && (e.data.object as { id: string }).id === b.sessionId,
    )!;
    t.same(
      h.stripe.deliveries.filter((d) => d.eventId === failed.id).map((d) => d.status),
      [200],
      "Stripe's delivery answered 200 at once",
    );
    const effect = await h.db.prisma.sideEffect.findFirstOrThrow({
      where: { bookingId: b.booking.bookingId, kind: "CANCEL_CALENDLY_EVENT" },
    });
    t.match(effect, { status: "DONE", attempts: 1 });
    t.equal(h.calendly.event(b.scheduled.eventUri)?.status, "active", "Calendly keeps the past event");
    t.match(await payment(h, b.booking.bookingId), { status: "FAILED", amountCaptured: 0, amountRefunded: 0 });
  });

  t.test("charge.refunded for a PaymentIntent the service never created is acknowledged and ignored", async (t) => {
    const pi = `pi_3${randomBytes(12).toString("hex")}`;
    const event = {
      id: `evt_${randomBytes(12).toString("hex")}`,
      object: "event",
      api_version: "2025-10-29.clover",
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: `ch_3${randomBytes(12).toString("hex")}`,
          object: "charge",
          amount: 2_000,
          amount_captured: 2_000,
          amount_refunded: 2_000,
          payment_intent: pi,
          metadata: {},
          status: "succeeded",
        },
      },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: "charge.refunded",
    };
    const raw = JSON.stringify(event);
    const res = await h.app.inject({
      method: "POST",
      url: "/webhooks/stripe",
      headers: {
        "content-type": "application/json",
        "stripe-signature": signatureHeader(h.config.stripe.webhookSecret, raw),
      },
      payload: raw,
    });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { received: true, outcome: "unknown_payment" });
  });
}
