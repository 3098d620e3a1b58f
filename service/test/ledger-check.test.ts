// The teardown ledger check (helpers/ledger.ts) finds real mismatches between the fake Stripe's
// ledger and the database, and passes when they agree.
import t from "tap";
import { buildTestApp, confirmedBooking, waitFor, waitForStatus } from "./helpers/app.js";
import { checkLedger } from "./helpers/ledger.js";

const h = await buildTestApp();
t.teardown(h.close);
const check = () => checkLedger(h.db.prisma, h.stripe.charges);

const paid = await confirmedBooking(h);
const pi = h.stripe.getSession(paid.sessionId)!.payment_intent as string;
const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: paid.booking.bookingId } });

t.test("agreeing ledgers: no problem, and the amounts compared are reported", async (t) => {
  const report = await check();
  t.same(report.problems, []);
  t.match(report.checked, { bookings: 1, payments: 1, captured: 15_000, refunded: 0 });
});

t.test("the database counts a refund Stripe never made", async (t) => {
  await h.db.prisma.payment.update({ where: { id: payment.id }, data: { amountRefunded: 5_000 } });
  const { problems } = await check();
  t.match(problems, [/records 5000 refunded, Stripe refunded 0/]);
  await h.db.prisma.payment.update({ where: { id: payment.id }, data: { amountRefunded: 0 } });
  t.same((await check()).problems, []);
});

t.test("the database misses a captured amount", async (t) => {
  await h.db.prisma.payment.update({ where: { id: payment.id }, data: { amountCaptured: 0 } });
  t.match((await check()).problems, [/records 0 captured, Stripe captured 15000/]);
  await h.db.prisma.payment.update({ where: { id: payment.id }, data: { amountCaptured: 15_000 } });
});

t.test("Stripe refunded money the database has not heard of", async (t) => {
  const url = h.stripe.webhookUrl;
  h.stripe.setWebhookUrl(undefined);
  await h.app.providers.stripe.refunds.create({ payment_intent: pi, amount: 4_000 });
  h.stripe.setWebhookUrl(url);
  const { problems } = await check();
  t.match(problems, [
    /records 0 refunded, Stripe refunded 4000/,
    /refund rows for 0, Stripe refunded 4000/,
    /is PAID, its amounts make it PARTIALLY_REFUNDED/,
  ]);
  const event = h.stripe.events.findLast((e) => e.type === "charge.refunded")!;
  await h.stripe.redeliver(event.id);
  await waitFor(async () => (await check()).problems.length === 0, 5000, "the ledgers to agree again");
});

t.test("a booking status that disagrees with the money", async (t) => {
  const id = paid.booking.bookingId;
  await h.db.prisma.booking.update({ where: { id }, data: { status: "EXPIRED" } });
  t.match((await check()).problems, [/EXPIRED but keeps 11000 of 15000 captured/]);
  await h.db.prisma.booking.update({ where: { id }, data: { status: "REFUNDED" } });
  t.match((await check()).problems, [/REFUNDED but keeps 11000/]);
  await h.db.prisma.booking.update({ where: { id }, data: { status: "CONFIRMED" } });
  t.same((await check()).problems, []);

  await h.app.providers.stripe.refunds.create({ payment_intent: pi });
  await waitForStatus(h, id, "REFUNDED");
  await h.db.prisma.booking.update({ where: { id }, data: { status: "CONFIRMED" } });
  t.match((await check()).problems, [/CONFIRMED but keeps 0 of 15000/]);
  await h.db.prisma.booking.update({ where: { id }, data: { status: "CANCELLED" } });
  t.match((await check()).problems, [/CANCELLED with all 15000 refunded/]);
  await h.db.prisma.booking.update({ where: { id }, data: { status: "REFUNDED" } });
  t.same((await check()).problems, []);
});

t.test("a captured charge no payment records", async (t) => {
  await h.db.prisma.payment.update({ where: { id: payment.id }, data: { paymentIntentId: null } });
  const { problems } = await check();
  t.match(problems[0], /records 15000 captured, Stripe captured 0/, "the payment claims money it cannot show");
  t.match(problems.at(-1), /Stripe captured 15000 on pi_\w+, which no payment records/);
  await h.db.prisma.payment.update({ where: { id: payment.id }, data: { paymentIntentId: pi } });
  t.same((await check()).problems, []);
});
