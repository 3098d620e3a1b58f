// A builder's Stripe connected account (v1 Accounts with controller properties: Stripe-hosted
// onboarding and Express dashboard, the platform pays Stripe's fees and carries losses), its
// onboarding links, and its platform-fee override.
import type Stripe from "stripe";
import type { PayoutAccount } from "../../generated/prisma/client.js";
import { AppError, conflict, notFound, upstream } from "../../lib/errors.js";
import { isRetryableStripeError } from "../../providers/stripe.js";
import { builderWhere } from "../bookability.js";
import type { DomainContext } from "../context.js";
import { accountState } from "./account-status.js";
import type { FeeRule } from "./fees.js";
import { onboardingToken } from "./onboarding-token.js";
import { type PayoutsView, payoutsView } from "./view.js";

export interface OnboardingRequest {
  /** Where Stripe sends the builder when they leave onboarding (allowlisted by the caller). */
  returnUrl: string;
  /** Where Stripe sends the builder when the link expired; default: this service's refresh route. */
  refreshUrl?: string;
  /** ISO 3166-1 alpha-2 country of a new account (default: the platform's). */
  country?: string;
}

export interface OnboardingLink {
  url: string;
  expiresAt: string;
  payouts: PayoutsView;
}

/** The path of the refresh route, relative to the service's public base URL. */
export const ONBOARDING_REFRESH_PATH = "/v1/payouts/onboarding/refresh";

function requireConnect(ctx: DomainContext): void {
  if (ctx.config.payouts.mode !== "connect") {
    throw conflict(
      "payouts_not_connect",
      "PAYOUTS_MODE is single-merchant: payments stay on the platform's Stripe account and builders have no payout accounts",
    );
  }
}

function stripeFailure(ctx: DomainContext, error: unknown, what: string): AppError {
  ctx.log.warn({ err: error }, `${what} failed`);
  if (isRetryableStripeError(error)) return upstream("stripe_unavailable", `Stripe could not ${what} just now; retry`);
  return new AppError(502, "stripe_refused", `Stripe refused to ${what}: ${(error as Error).message}`, {
    retryable: false,
  });
}

async function loadBuilder(ctx: DomainContext, ref: string) {
  const builder = await ctx.prisma.builder.findUnique({ where: builderWhere(ref), include: { payoutAccount: true } });
  if (!builder) throw notFound("builder_not_found", `builder: no builder "${ref}" exists`);
  return builder;
}

/** The builder's account to onboard: the current one, or a new one when there is none or it was disconnected. */
async function ensureAccount(
  ctx: DomainContext,
  builder: Awaited<ReturnType<typeof loadBuilder>>,
  country: string | undefined,
): Promise<PayoutAccount> {
  const current = builder.payoutAccount;
  if (current?.stripeAccountId && current.status !== "DISCONNECTED") return current;
  let account: Stripe.Account;
  try {
    account = await ctx.metrics.time("stripe", "create_account", () =>
      ctx.providers.stripe.accounts.create(
        {
          controller: {
            fees: { payer: "application" },
            losses: { payments: "application" },
            requirement_collection: "stripe",
            stripe_dashboard: { type: "express" },
          },
          capabilities: { transfers: { requested: true } },
          ...(country ? { country } : {}),
          ...(builder.contactEmail ? { email: builder.contactEmail } : {}),
          business_profile: { name: builder.name },
          metadata: { builder_id: builder.id },
        },
        // One account per builder even when two requests race; a disconnected one is replaced once.
        { idempotencyKey: `connect_account_${builder.id}_after_${current?.stripeAccountId ?? "none"}` },
      ),
    );
  } catch (error) {
    throw stripeFailure(ctx, error, "create the builder's connected account");
  }
  const state = accountState(account);
  const data = {
    stripeAccountId: account.id,
    status: state.status,
    statusReason: state.reason,
    // The account lives in the mode of the key that created it.
    livemode: /^(sk|rk)_live_/.test(ctx.config.stripe.secretKey),
    accountEventAt: null,
    payoutFailedAt: null,
    payoutFailureCode: null,
    deauthorizedAt: null,
  };
  return ctx.prisma.payoutAccount.upsert({
    where: { builderId: builder.id },
    create: { builderId: builder.id, ...data },
    update: data,
  });
}

async function createLink(
  ctx: DomainContext,
  account: PayoutAccount,
  returnUrl: string,
  refreshUrl: string,
): Promise<Stripe.AccountLink> {
  try {
    return await ctx.metrics.time("stripe", "create_account_link", () =>
      ctx.providers.stripe.accountLinks.create({
        account: account.stripeAccountId!,
        type: "account_onboarding",
        return_url: returnUrl,
        refresh_url: refreshUrl,
      }),
    );
  } catch (error) {
    throw stripeFailure(ctx, error, "create an onboarding link");
  }
}

/**
 * Creates the builder's connected account if needed and returns a fresh onboarding link (links
 * are single-use and short-lived; each call makes a new one). `serviceBase` is this service's
 * public base URL, for the default refresh route.
 */
export async function startOnboarding(
  ctx: DomainContext,
  ref: string,
  input: OnboardingRequest,
  serviceBase: string,
): Promise<OnboardingLink> {
  requireConnect(ctx);
  const builder = await loadBuilder(ctx, ref);
  const account = await ensureAccount(ctx, builder, input.country);
  const refreshUrl =
    input.refreshUrl ??
    `${serviceBase}${ONBOARDING_REFRESH_PATH}?token=${onboardingToken(ctx.config.bookingTokenSecret, {
      builderId: builder.id,
      accountId: account.stripeAccountId!,
      returnUrl: input.returnUrl,
    })}`;
  const link = await createLink(ctx, account, input.returnUrl, refreshUrl);
  return {
    url: link.url,
    expiresAt: new Date(link.expires_at * 1000).toISOString(),
    payouts: payoutsView(ctx.config.payouts, account),
  };
}

/**
 * A fresh link for the account a refresh token names (Stripe sent the builder back because the
 * old link expired). The same refresh URL rides along, so it works again next time.
 */
export async function refreshOnboarding(
  ctx: DomainContext,
  claims: { builderId: string; accountId: string; returnUrl: string },
  refreshUrl: string,
): Promise<string> {
  requireConnect(ctx);
  const account = await ctx.prisma.payoutAccount.findUnique({ where: { builderId: claims.builderId } });
  if (!account || account.stripeAccountId !== claims.accountId || account.status === "DISCONNECTED") {
    throw new AppError(
      410,
      "onboarding_link_gone",
      "token: this onboarding link is for a payout account that is no longer the builder's; ask for a new one",
    );
  }
  return (await createLink(ctx, account, claims.returnUrl, refreshUrl)).url;
}

export async function getPayouts(ctx: DomainContext, ref: string): Promise<PayoutsView> {
  const builder = await loadBuilder(ctx, ref);
  return payoutsView(ctx.config.payouts, builder.payoutAccount);
}

/** Sets (or with null, removes) the builder's platform-fee override. */
export async function setFeeOverride(ctx: DomainContext, ref: string, fee: FeeRule | null): Promise<PayoutsView> {
  const builder = await loadBuilder(ctx, ref);
  const data = { feePercentBps: fee?.percentBps ?? null, feeFixedAmount: fee?.fixedAmount ?? null };
  const account = await ctx.prisma.payoutAccount.upsert({
    where: { builderId: builder.id },
    create: { builderId: builder.id, ...data },
    update: data,
  });
  return payoutsView(ctx.config.payouts, account);
}
