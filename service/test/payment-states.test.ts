// transitionPayment against a concurrent change: the conditional update misses, the payment is
// read again and the table asked again, so a payment completing while its booking is cancelled
// is recorded (EXPIRED → PAID, then refunded as late) instead of lost.
import t from "tap";
import { transitionPayment } from "../src/domain/booking/payment-states.js";
import type { Prisma } from "../src/generated/prisma/client.js";
import { buildTestApp, pendingBooking } from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);

/** A transaction whose first payment.updateMany finds the payment changed by `race` just before it. */
function racing(tx: Prisma.TransactionClient, race: (tx: Prisma.TransactionClient) => Promise<unknown>) {
  let raced = false;
  const payment = new Proxy(tx.payment, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "updateMany" && !raced) {
        return async (args: Prisma.PaymentUpdateManyArgs) => {
          raced = true;
          await race(tx);
          return target.updateMany(args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return new Proxy(tx, { get: (target, prop) => (prop === "payment" ? payment : Reflect.get(target, prop)) });
}

t.test("a status changed between the read and the update is read again", async (t) => {
  const { booking } = await pendingBooking(h);
  const p = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
  const after = await h.db.prisma.$transaction((tx) =>
    transitionPayment(
      racing(tx, (tx) => tx.payment.update({ where: { id: p.id }, data: { status: "EXPIRED" } })),
      p.id,
      { to: "FAILED", from: ["OPEN", "UNPAID"], cause: "test: a debit failed" },
    ),
  );
  t.equal(after, null, "EXPIRED meanwhile: FAILED no longer applies, and nothing is written");
  t.equal((await h.db.prisma.payment.findUniqueOrThrow({ where: { id: p.id } })).status, "EXPIRED");

  await h.db.prisma.payment.update({ where: { id: p.id }, data: { status: "OPEN" } });
  const retried = await h.db.prisma.$transaction((tx) =>
    transitionPayment(
      racing(tx, (tx) => tx.payment.update({ where: { id: p.id }, data: { status: "EXPIRED" } })),
      p.id,
      { to: "UNPAID", from: ["OPEN", "EXPIRED"], cause: "test" },
    ),
  );
  t.equal(retried, null, "EXPIRED → UNPAID is not in the table");

  await h.db.prisma.payment.update({ where: { id: p.id }, data: { status: "OPEN" } });
  const paid = await h.db.prisma.$transaction((tx) =>
    transitionPayment(
      racing(tx, (tx) => tx.payment.update({ where: { id: p.id }, data: { status: "EXPIRED" } })),
      p.id,
      { to: "PAID", from: ["OPEN", "UNPAID", "EXPIRED"], cause: "test: paid as the hold was released" },
    ),
  );
  t.match(paid, { status: "PAID" }, "OPEN read, EXPIRED found: EXPIRED → PAID is applied on the re-read");
  const history = await h.db.prisma.paymentStatusChange.findMany({
    where: { paymentId: p.id },
    orderBy: { createdAt: "asc" },
  });
  t.match(history.at(-1), { from: "EXPIRED", to: "PAID" }, "history records the status it really left");
  // Back to what Stripe knows (nothing was paid), so the teardown ledger check agrees.
  await h.db.prisma.payment.update({ where: { id: p.id }, data: { status: "OPEN" } });
});
