// The money check every test app runs at teardown: for every booking in its database, the
// fake Stripe's ledger agrees with what the service recorded. Captured and refunded amounts
// match Stripe's charge (captured = refunded + kept), the refund rows add up to Stripe's
// refunded total, the payment's status follows from its amounts, and the booking's status
// agrees with the money: never CONFIRMED with nothing kept, never ended with money kept. With
// Pay first, the money is never kept without a Calendly booking: held only while the service is
// booking it (SCHEDULING) or the visitor picks another time (NEEDS_NEW_TIME). With
// Connect, the fake's balances must also add up per account: what the platform and each connected
// account hold is what their transfers, reversals and application fees say, and together they
// keep exactly what was captured and not refunded.
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
    if (
      booking.flow === "PAY_FIRST" &&
      !booking.calendlyInviteeUri &&
      kept > 0 &&
      booking.status !== "SCHEDULING" &&
      booking.status !== "NEEDS_NEW_TIME"
    ) {
      say(`pay-first booking keeps ${kept} with no Calendly booking`);
    }
    if (booking.flow === "PAY_FIRST" && booking.status === "CONFIRMED" && !booking.calendlyInviteeUri) {
      say("pay-first booking CONFIRMED without its Calendly invitee");
    }
    switch (booking.status) {
      case "CONFIRMED":
        if (paid && kept <= 0) say(`CONFIRMED but keeps ${kept} of ${captured} captured`);
        break;
      case "PENDING_PAYMENT":
        if (captured > 0) say(`PENDING_PAYMENT but ${captured} was captured`);
        break;
      case "SCHEDULING":
      case "NEEDS_NEW_TIME":
        // Paid and held while the booking is made: nothing refunded yet.
        if (paid && (captured === 0 || refunded !== 0)) say(`${booking.status} holds ${kept} of ${captured} captured`);
        if (booking.calendlyInviteeUri) say(`${booking.status} but already booked in Calendly`);
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

type Amounts = Record<string, number>;
const bump = (m: Amounts, currency: string, delta: number) => {
  m[currency] = (m[currency] ?? 0) + delta;
};

/** The fake Stripe's Connect money, recomputed from its charges, transfers and fees, against its balances. */
export function checkStripeBalances(
  stripe: Pick<FakeStripe, "charges" | "transfers" | "applicationFees" | "balances">,
  charges: readonly Stripe.Charge[] = stripe.charges,
): string[] {
  const problems: string[] = [];
  const balances = stripe.balances();
  const platform: Amounts = {};
  const accounts = new Map<string, Amounts>();
  const account = (id: string) => {
    let a = accounts.get(id);
    if (!a) {
      a = {};
      accounts.set(id, a);
    }
    return a;
  };
  for (const ch of charges) {
    if (ch.status === "succeeded") bump(platform, ch.currency, ch.amount_captured);
    bump(platform, ch.currency, -ch.amount_refunded);
  }
  for (const tr of stripe.transfers) {
    const dest = typeof tr.destination === "string" ? tr.destination : (tr.destination?.id ?? "?");
    if (tr.amount_reversed > tr.amount)
      problems.push(`transfer ${tr.id}: ${tr.amount_reversed} reversed of ${tr.amount}`);
    const kept = tr.amount - tr.amount_reversed;
    bump(platform, tr.currency, -kept);
    bump(account(dest), tr.currency, kept);
  }
  for (const fee of stripe.applicationFees) {
    const from = typeof fee.account === "string" ? fee.account : fee.account.id;
    if (fee.amount_refunded > fee.amount)
      problems.push(`application fee ${fee.id}: ${fee.amount_refunded} refunded of ${fee.amount}`);
    const kept = fee.amount - fee.amount_refunded;
    bump(platform, fee.currency, kept);
    bump(account(from), fee.currency, -kept);
  }
  const compare = (who: string, expected: Amounts, actual: Amounts) => {
    for (const currency of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      const want = expected[currency] ?? 0;
      const got = actual[currency] ?? 0;
      if (want !== got)
        problems.push(`${who}: balance ${got} ${currency}, its charges, transfers and fees make ${want}`);
    }
  };
  compare("platform", platform, balances.platform.available);
  for (const [id, ledger] of Object.entries(balances.accounts)) {
    const expected = { ...(accounts.get(id) ?? {}) };
    for (const [currency, paid] of Object.entries(ledger.paidOut)) bump(expected, currency, -paid);
    compare(`connected account ${id}`, expected, ledger.available);
  }
  return problems;
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
  const charges = stripe.charges;
  const report = await checkLedger(prisma, charges);
  report.problems.push(...checkStripeBalances(stripe, charges));
  if (process.env.BAW_LEDGER_REPORT) appendFileSync(process.env.BAW_LEDGER_REPORT, `${JSON.stringify(report)}\n`);
  return report;
}

export function assertLedger(report: LedgerReport | null): void {
  if (report && report.problems.length > 0) {
    throw new Error(`the fake Stripe's ledger and the database disagree:\n${report.problems.join("\n")}`);
  }
}
