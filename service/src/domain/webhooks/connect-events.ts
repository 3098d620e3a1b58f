// What each Connect event (from the builders' connected accounts, delivered to
// /webhooks/stripe/connect) means for a builder's payout account. Events name the connected
// account in their top-level `account`; one for an account the service does not know, or from
// the other mode (live vs test), is acknowledged and ignored.
import type Stripe from "stripe";
import type { DomainContext } from "../context.js";
import { accountState } from "../payouts/account-status.js";
import type { Handler } from "./ingest.js";

/** The Connect events this service handles; the Connect endpoint must send all of them. */
export const connectWebhookEvents = [
  "account.updated",
  "account.application.deauthorized",
  "payout.failed",
  "payout.paid",
] as const;

const at = (event: Stripe.Event) => new Date(event.created * 1000);

async function accountUpdated(ctx: DomainContext, event: Stripe.Event, accountId: string): Promise<string> {
  const account = event.data.object as Stripe.Account;
  const state = accountState(account);
  const current = await ctx.prisma.payoutAccount.findUnique({ where: { stripeAccountId: accountId } });
  if (!current) return "unknown_account";
  // A deauthorized account stays disconnected: the platform can no longer transfer to it.
  if (current.status === "DISCONNECTED") return "account_disconnected";
  // Stripe does not order events: an older account.updated never overwrites a newer one.
  const applied = await ctx.prisma.payoutAccount.updateMany({
    where: {
      id: current.id,
      status: { not: "DISCONNECTED" },
      OR: [{ accountEventAt: null }, { accountEventAt: { lte: at(event) } }],
    },
    data: { status: state.status, statusReason: state.reason, accountEventAt: at(event) },
  });
  if (applied.count === 0) return "stale_event";
  if (state.status === "RESTRICTED" && current.status !== "RESTRICTED") {
    ctx.metrics.payoutFlags.inc({ flag: "restricted" });
    ctx.log.warn({ builderId: current.builderId, reason: state.reason }, "builder's payout account restricted");
  }
  return `payouts_${state.status.toLowerCase()}`;
}

async function deauthorized(ctx: DomainContext, event: Stripe.Event, accountId: string): Promise<string> {
  const changed = await ctx.prisma.payoutAccount.updateMany({
    where: { stripeAccountId: accountId, status: { not: "DISCONNECTED" } },
    data: {
      status: "DISCONNECTED",
      statusReason: "the builder disconnected the platform from their Stripe account",
      deauthorizedAt: at(event),
    },
  });
  if (changed.count === 0) {
    const known = await ctx.prisma.payoutAccount.count({ where: { stripeAccountId: accountId } });
    return known ? "already_disconnected" : "unknown_account";
  }
  ctx.metrics.payoutFlags.inc({ flag: "deauthorized" });
  ctx.log.warn({ accountId }, "a builder deauthorized the platform");
  return "payouts_disconnected";
}

async function payoutFailed(ctx: DomainContext, event: Stripe.Event, accountId: string): Promise<string> {
  const payout = event.data.object as Stripe.Payout;
  const changed = await ctx.prisma.payoutAccount.updateMany({
    where: { stripeAccountId: accountId, OR: [{ payoutFailedAt: null }, { payoutFailedAt: { lte: at(event) } }] },
    data: { payoutFailedAt: at(event), payoutFailureCode: payout.failure_code ?? "unknown" },
  });
  if (changed.count === 0) {
    const known = await ctx.prisma.payoutAccount.count({ where: { stripeAccountId: accountId } });
    return known ? "stale_event" : "unknown_account";
  }
  ctx.metrics.payoutFlags.inc({ flag: "payout_failed" });
  ctx.log.warn({ accountId, code: payout.failure_code }, "a payout to a builder failed");
  return "payout_failure_flagged";
}

/** A later payout that arrived clears the failure flag. */
async function payoutPaid(ctx: DomainContext, event: Stripe.Event, accountId: string): Promise<string> {
  const changed = await ctx.prisma.payoutAccount.updateMany({
    where: { stripeAccountId: accountId, payoutFailedAt: { lte: at(event) } },
    data: { payoutFailedAt: null, payoutFailureCode: null },
  });
  return changed.count ? "payout_failure_cleared" : "no_change";
}

/** Whether the event is from the mode the service's key is in (sk_live_/rk_live_ ⇒ live). */
export function livemodeMatches(ctx: DomainContext, event: Pick<Stripe.Event, "livemode">): boolean {
  const live = /^(sk|rk)_live_/.test(ctx.config.stripe.secretKey);
  return event.livemode === live;
}

export function connectHandler(ctx: DomainContext, event: Stripe.Event): Handler | null {
  const accountId = event.account;
  if (!(connectWebhookEvents as readonly string[]).includes(event.type)) return null;
  if (!accountId) return async () => "not_a_connect_event";
  if (!livemodeMatches(ctx, event)) {
    return async () => {
      ctx.log.warn({ eventId: event.id, livemode: event.livemode }, "Connect event from the other mode ignored");
      return "livemode_mismatch";
    };
  }
  switch (event.type) {
    case "account.updated":
      return () => accountUpdated(ctx, event, accountId);
    case "account.application.deauthorized":
      return () => deauthorized(ctx, event, accountId);
    case "payout.failed":
      return () => payoutFailed(ctx, event, accountId);
    case "payout.paid":
      return () => payoutPaid(ctx, event, accountId);
    default:
      return null;
  }
}
