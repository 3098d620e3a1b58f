// Holds on unpaid slots: released by Stripe's expiry event, or by the sweeper when that event
// is lost, exactly once even with concurrent sweeps and several service instances.
import t from "tap";
import { sweep } from "../src/domain/holds.js";
import {
  apiCancellations,
  buildTestApp,
  type PendingBooking,
  pendingBooking,
  reportBooking,
  scheduleSlot,
  type TestApp,
  waitFor,
  waitForStatus,
} from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);

/** Puts a booking's hold (well) in the past, as if its time had run out. */
const expireHold = (h: TestApp, bookingId: string) =>
  h.db.prisma.booking.update({ where: { id: bookingId }, data: { holdExpiresAt: new Date(Date.now() - 10 * 60_000) } });

/** A pending booking whose checkout.session.expired will never arrive. */
async function lostWebhookHold(h: TestApp): Promise<PendingBooking> {
  const pending = await pendingBooking(h);
  await expireHold(h, pending.booking.bookingId);
  return pending;
}

t.test("abandoned checkout: expired → Calendly event cancelled → EXPIRED", async (t) => {
  const { booking, sessionId, scheduled, attemptId } = await pendingBooking(h);
  const { cancelUrl } = h.stripe.abandon(sessionId);
  t.match(cancelUrl, /baw_checkout=cancelled/);
  t.equal(
    (await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status,
    "PENDING_PAYMENT",
    "leaving the page releases nothing yet",
  );
  await h.stripe.expire(sessionId);
  await waitForStatus(h, booking.bookingId, "EXPIRED");
  t.match(apiCancellations(h, scheduled.eventUri), [
    { cancelerType: "host", reason: "Payment was not completed in time" },
  ]);
  t.equal(h.calendly.event(scheduled.eventUri)!.status, "canceled", "the slot is free again in Calendly");
  const stored = await h.db.prisma.booking.findUniqueOrThrow({
    where: { id: booking.bookingId },
    include: { payments: true },
  });
  t.match(stored.payments, [{ status: "EXPIRED" }]);

  const view = await h.app.inject({ url: `/v1/bookings/by-checkout-session/${sessionId}` });
  t.match(view.json(), { status: "EXPIRED", checkoutUrl: null });
  const again = await reportBooking(h, { attemptId, ...scheduled });
  t.equal(again.statusCode, 200);
  t.match(again.json(), { status: "EXPIRED", checkoutUrl: null }, "no checkout for a released hold");
  // Calendly's invitee.canceled (from our own cancellation) changes nothing more.
  await h.calendly.flushWebhooks();
  t.equal((await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "EXPIRED");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1);
});

t.test("the sweeper releases a stale hold whose webhook was lost", async (t) => {
  const webhookUrl = h.stripe.webhookUrl;
  h.stripe.setWebhookUrl(undefined);
  t.teardown(() => h.stripe.setWebhookUrl(webhookUrl));
  const { booking, sessionId, scheduled } = await lostWebhookHold(h);
  const fresh = await pendingBooking(h);

  const first = await sweep(h.ctx);
  t.equal(first.released, 1, "only the stale hold");
  t.equal(await waitForStatus(h, booking.bookingId, "EXPIRED"), true);
  t.equal(
    (await h.db.prisma.booking.findUniqueOrThrow({ where: { id: fresh.booking.bookingId } })).status,
    "PENDING_PAYMENT",
  );
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1, "the Calendly event cancelled");
  t.equal(h.stripe.getSession(sessionId)!.status, "expired", "Checkout closed so nobody pays for a released slot");
  t.match(await h.db.prisma.bookingStatusChange.findFirst({ where: { bookingId: booking.bookingId, to: "EXPIRED" } }), {
    from: "PENDING_PAYMENT",
    cause: /sweeper/,
  });
  const second = await sweep(h.ctx);
  t.equal(second.released, 0, "nothing left to release");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1);
});

t.test("the sweeper lets a payment that completed win over the expired hold", async (t) => {
  const webhookUrl = h.stripe.webhookUrl;
  h.stripe.setWebhookUrl(undefined);
  t.teardown(() => h.stripe.setWebhookUrl(webhookUrl));
  const { booking, sessionId, scheduled } = await lostWebhookHold(h);
  await h.stripe.pay(sessionId);
  const result = await sweep(h.ctx);
  t.equal(result.released, 0);
  t.equal((await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "CONFIRMED");
  t.equal(apiCancellations(h, scheduled.eventUri).length, 0, "the slot is kept");
});

t.test("the sweeper releases a hold the widget never opened Checkout for", async (t) => {
  const slot = await scheduleSlot(h, null); // reconciled by the invitee.created webhook
  const booking = await waitFor(() =>
    h.db.prisma.booking.findUnique({ where: { calendlyInviteeUri: slot.inviteeUri } }),
  );
  await expireHold(h, booking.id);
  const result = await sweep(h.ctx);
  t.equal(result.released, 1);
  t.equal((await h.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.id } })).status, "EXPIRED");
  t.equal(apiCancellations(h, slot.eventUri).length, 1);
});

t.test("a failed cancellation is retried by a later sweep, after its backoff", async (t) => {
  h.useCalendlyClient({ maxRetries: 0 });
  t.teardown(() => h.useCalendlyClient());
  const webhookUrl = h.stripe.webhookUrl;
  h.stripe.setWebhookUrl(undefined);
  t.teardown(() => h.stripe.setWebhookUrl(webhookUrl));
  const { booking, scheduled } = await lostWebhookHold(h);
  h.calendly.faults.next({ method: "POST", path: /\/cancellation$/, status: 503 });
  const first = await sweep(h.ctx);
  t.equal(first.released, 1);
  t.equal(apiCancellations(h, scheduled.eventUri).length, 0);
  const effect = await h.db.prisma.sideEffect.findUniqueOrThrow({
    where: { key: `cancel_event_${booking.bookingId}` },
  });
  t.match(effect, { status: "PENDING", attempts: 1, lastError: /./ });
  t.ok(effect.runAfter.getTime() > Date.now(), "backing off");
  const tooSoon = await sweep(h.ctx);
  t.equal(tooSoon.sideEffectsDone, 0, "not retried before its time");
  await h.db.prisma.sideEffect.update({ where: { id: effect.id }, data: { runAfter: new Date() } });
  const later = await sweep(h.ctx);
  t.ok(later.sideEffectsDone >= 1);
  t.equal(apiCancellations(h, scheduled.eventUri).length, 1);
});

t.test("two sweeps at once on one instance release each hold once", async (t) => {
  const webhookUrl = h.stripe.webhookUrl;
  h.stripe.setWebhookUrl(undefined);
  t.teardown(() => h.stripe.setWebhookUrl(webhookUrl));
  const holds = [await lostWebhookHold(h), await lostWebhookHold(h), await lostWebhookHold(h)];
  const results = await Promise.all([sweep(h.ctx), sweep(h.ctx), sweep(h.ctx)]);
  t.equal(
    results.reduce((n, r) => n + r.released, 0),
    3,
    "three releases in all",
  );
  for (const hold of holds) {
    t.equal(apiCancellations(h, hold.scheduled.eventUri).length, 1, "each event cancelled exactly once");
    t.equal((await h.db.prisma.booking.findUniqueOrThrow({ where: { id: hold.booking.bookingId } })).status, "EXPIRED");
    t.equal(
      await h.db.prisma.bookingStatusChange.count({ where: { bookingId: hold.booking.bookingId, to: "EXPIRED" } }),
      1,
    );
  }
});

t.test("two service instances sweeping one Postgres database cancel each hold exactly once", async (t) => {
  const a = await buildTestApp({ database: "postgres" });
  const b = await buildTestApp({ shareWith: a });
  t.teardown(async () => {
    await b.close();
    await a.close();
  });
  a.stripe.setWebhookUrl(undefined); // every expiry event is lost: only the sweepers release
  const holds: PendingBooking[] = [];
  for (let i = 0; i < 5; i++) holds.push(await lostWebhookHold(a));
  t.equal(await b.db.prisma.booking.count({ where: { status: "PENDING_PAYMENT" } }), 5, "b sees a's bookings");
  const results = await Promise.all([sweep(a.ctx), sweep(b.ctx), sweep(a.ctx), sweep(b.ctx)]);
  t.equal(
    results.reduce((n, r) => n + r.released, 0),
    5,
    `five releases in all (${results.map((r) => r.released).join("+")})`,
  );
  t.ok(
    results.every((r) => r.sideEffectsFailed === 0),
    "no side effect failed",
  );
  for (const hold of holds) {
    t.equal(apiCancellations(a, hold.scheduled.eventUri).length, 1, "cancelled exactly once");
    t.equal(a.stripe.getSession(hold.sessionId)!.status, "expired");
    t.equal(
      await a.db.prisma.bookingStatusChange.count({ where: { bookingId: hold.booking.bookingId, to: "EXPIRED" } }),
      1,
    );
  }
  t.equal(await a.db.prisma.sideEffect.count({ where: { status: { not: "DONE" } } }), 0, "every side effect done");
  const expireCalls = a.stripe.requests.filter((r) => r.method === "POST" && /\/expire$/.test(r.path));
  t.equal(expireCalls.length, 5, "each session expired once");
});
