// The money check every test app runs at teardown: for every booking in its database, the
// fake Stripe's ledger agrees with what the service recorded. Captured and refunded amounts
// match Stripe's charge (captured = refunded + kept), the refund rows add up to Stripe's
// refunded total, the payment's status follows from its amounts, and the booking's status
// agrees with the money: never CONFIRMED with nothing kept, never ended with money kept.
import { appendFileSync } from "node:fs";
import type { FakeCalendly, FakeStripe } from "@baw/sandbox";
import type Stripe from "stripe";
import { statusForAmounts } from "../../src/domain/booking/payment-states.js";
import type { PrismaClient } from "../../src/generated/prisma/client.js";

export interface LedgerReport {
  /** One line per disagreement; empty when the ledgers agree. */
  problems: string[];
  /** Bookings and payments compared, and the amounts compared (minor units). */
  checked: { bookings: number; payments: number; captured: number; refunded: number };
}

const NOT_CAPTURED = new Set(["OPEN", "UNPAID", "EXPIRED", "FAILED"]);

export async function checkLedger(prisma: PrismaClient, charges: readonly Stripe.Charge[]): Promise<LedgerReport> {
  const bookings = await prisma.booking.findMany({
    include: { payments: { include: { refunds: true } } },
    orderBy: { createdAt: "asc" },
  });
  const byIntent = new Map<string, Stripe.Charge>();
  for (const ch of charges) {
    const pi = typeof ch.payment_intent === "string" ? ch.payment_intent : ch.payment_intent?.id;
    if (pi) byIntent.set(pi, ch);
  }
  const problems: string[] = [];
  const checked = { bookings: bookings.length, payments: 0, captured: 0, refunded: 0 };
  const knownIntents = new Set<string>();
  for (const booking of bookings) {
    const say = (what: string) => problems.push(`booking ${booking.id} (${booking.status}): ${what}`);
    let captured = 0;
    let refunded = 0;
    for (const p of booking.payments) {
      checked.payments++;
      const charge = p.paymentIntentId ? byIntent.get(p.paymentIntentId) : undefined;
      if (p.paymentIntentId) knownIntents.add(p.paymentIntentId);
      const stripeCaptured = charge?.status === "succeeded" ? charge.amount_captured : 0;
      const stripeRefunded = charge?.amount_refunded ?? 0;
      if (p.amountCaptured !== stripeCaptured) {
        say(`payment ${p.id} records ${p.amountCaptured} captured, Stripe captured ${stripeCaptured}`);
      }
      if (p.amountRefunded !== stripeRefunded) {
        say(`payment ${p.id} records ${p.amountRefunded} refunded, Stripe refunded ${stripeRefunded}`);
      }
      const rows = p.refunds.filter((r) => r.status === "SUCCEEDED" || r.status === "PENDING");
      const rowTotal = rows.reduce((sum, r) => sum + r.amount, 0);
      if (rowTotal !== stripeRefunded)
        say(`payment ${p.id} has refund rows for ${rowTotal}, Stripe refunded ${stripeRefunded}`);
      if (stripeCaptured > 0) {
        const expected = statusForAmounts(stripeCaptured, stripeRefunded);
        if (p.status !== expected) say(`payment ${p.id} is ${p.status}, its amounts make it ${expected}`);
      } else if (!NOT_CAPTURED.has(p.status)) {
        say(`payment ${p.id} is ${p.status} but Stripe captured nothing`);
      }
      captured += stripeCaptured;
      refunded += stripeRefunded;
    }
    checked.captured += captured;
    checked.refunded += refunded;
    const kept = captured - refunded;
    const paid = booking.payments.length > 0;
    switch (booking.status) {
      case "CONFIRMED":
        if (paid && kept <= 0) say(`CONFIRMED but keeps ${kept} of ${captured} captured`);
        break;
      case "PENDING_PAYMENT":
        if (captured > 0) say(`PENDING_PAYMENT but ${captured} was captured`);
        break;
      case "REFUNDED":
        if (captured === 0 || kept !== 0) say(`REFUNDED but keeps ${kept} of ${captured} captured`);
        break;
      case "CANCELLED":
        if (captured > 0 && kept === 0) say(`CANCELLED with all ${captured} refunded: should be REFUNDED`);
        break;
      case "EXPIRED":
      case "FAILED":
        if (kept !== 0)
          say(`${booking.status} but keeps ${kept} of ${captured} captured (a late payment not refunded)`);
        break;
    }
  }
  // A booking's money that reached Stripe but not the database.
  const bookingIds = new Set(bookings.map((b) => b.id));
  for (const [pi, ch] of byIntent) {
    const bookingId = ch.metadata?.booking_id;
    if (bookingId && bookingIds.has(bookingId) && !knownIntents.has(pi) && ch.status === "succeeded") {
      problems.push(`booking ${bookingId}: Stripe captured ${ch.amount_captured} on ${pi}, which no payment records`);
    }
  }
  return { problems, checked };
}

/**
 * The teardown check: waits for webhooks in flight (and the side effects they start), then
 * checks. With BAW_LEDGER_REPORT set, appends the report to that file (one JSON line per app).
 */
export async function settledLedger(
  prisma: PrismaClient,
  stripe: FakeStripe,
  calendly?: FakeCalendly,
): Promise<LedgerReport> {
  await Promise.all([stripe.deliveriesSettled(), calendly?.flushWebhooks()]);
  await stripe.deliveriesSettled();
  const report = await checkLedger(prisma, stripe.charges);
  if (process.env.BAW_LEDGER_REPORT) appendFileSync(process.env.BAW_LEDGER_REPORT, `${JSON.stringify(report)}\n`);
  return report;
}

export function assertLedger(report: LedgerReport | null): void {
  if (report && report.problems.length > 0) {
    throw new Error(`the fake Stripe's ledger and the database disagree:\n${report.problems.join("\n")}`);
  }
}
