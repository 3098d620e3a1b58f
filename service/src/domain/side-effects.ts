// Provider calls that state changes require, run exactly once through the outbox table.
// A change and its side effect are written in one transaction; a worker then claims the
// effect (one claimant at a time, across instances) and performs it with the effect's key as
// the provider's idempotency key, so a retry after a crash cannot do it twice.

import type Stripe from "stripe";
import type { Prisma, SideEffect, SideEffectKind } from "../generated/prisma/client.js";
import { uuidFromUri } from "../providers/calendly.js";
import { recordRefund, recordTransfer } from "./booking/lifecycle.js";
import { refundDue } from "./booking/refund-policy.js";
import { calendlyForBuilderId } from "./calendly-connections/client.js";
import type { DomainContext } from "./context.js";
import { bookInCalendly } from "./pay-first/book.js";

type Tx = Prisma.TransactionClient;

export type SideEffectPayload =
  | { kind: "CANCEL_CALENDLY_EVENT"; eventUri: string; reason: string }
  | { kind: "EXPIRE_CHECKOUT"; checkoutSessionId: string }
  /** Pay first: book the booking's start time with Calendly's POST /invitees (pay-first/book.ts). */
  | { kind: "BOOK_CALENDLY_INVITEE"; startTime: string }
  | {
      kind: "REFUND";
      paymentId: string;
      paymentIntentId: string;
      /** What the customer should have back in total; what is still due is worked out when it runs. */
      target: number;
      /** Effects written before `target` existed named the amount to refund (then also the target). */
      amount?: number;
      currency: string;
      reason: string;
      /**
       * Marketplace mode (the payment has a destination): return the platform fee in proportion
       * too. The builder's transfer is always reversed in proportion. Absent: true.
       */
      refundApplicationFee?: boolean;
    };

const MAX_ATTEMPTS = 12;

/** Thrown by an effect that cannot run yet (a provider's rate limit): it waits, without counting as a failure. */
export class SideEffectDeferred extends Error {
  override name = "SideEffectDeferred";
  constructor(
    readonly runAt: Date,
    why: string,
  ) {
    super(`deferred until ${runAt.toISOString()}: ${why}`);
  }
}

export async function enqueueSideEffect(
  tx: Tx,
  bookingId: string,
  key: string,
  payload: SideEffectPayload,
): Promise<void> {
  await tx.sideEffect.upsert({
    where: { key },
    create: {
      bookingId,
      key,
      kind: payload.kind as SideEffectKind,
      payload: payload as unknown as Prisma.InputJsonValue,
    },
    update: {},
  });
}

async function claim(
  ctx: DomainContext,
  effect: Pick<SideEffect, "id">,
  ignoreBackoff: boolean,
): Promise<SideEffect | null> {
  // A claim older than the timeout is abandoned (its worker died) and may be taken over.
  const staleBefore = new Date(Date.now() - ctx.config.timeouts.sideEffectClaimMs);
  const claimed = await ctx.prisma.sideEffect.updateMany({
    where: {
      id: effect.id,
      status: "PENDING",
      ...(ignoreBackoff ? {} : { runAfter: { lte: new Date() } }),
      OR: [{ claimedAt: null }, { claimedAt: { lt: staleBefore } }],
    },
    data: { claimedAt: new Date(), attempts: { increment: 1 } },
  });
  if (claimed.count !== 1) return null;
  return ctx.prisma.sideEffect.findUnique({ where: { id: effect.id } });
}

async function perform(ctx: DomainContext, effect: SideEffect): Promise<void> {
  const payload = effect.payload as unknown as SideEffectPayload;
  switch (payload.kind) {
    case "CANCEL_CALENDLY_EVENT": {
      const booking = await ctx.prisma.booking.findUniqueOrThrow({
        where: { id: effect.bookingId },
        select: { builderId: true },
      });
      // The event is the builder's: cancelled with their token.
      const calendly = await calendlyForBuilderId(ctx, booking.builderId);
      await ctx.metrics.time("calendly", "cancel_event", () =>
        calendly.cancelEvent(uuidFromUri(payload.eventUri), payload.reason),
      );
      return;
    }
    case "EXPIRE_CHECKOUT": {
      const session = await ctx.metrics.time("stripe", "retrieve_session", () =>
        ctx.providers.stripe.checkout.sessions.retrieve(payload.checkoutSessionId),
      );
      if (session.status === "open") {
        await ctx.metrics.time("stripe", "expire_session", () =>
          ctx.providers.stripe.checkout.sessions.expire(payload.checkoutSessionId, {}, { idempotencyKey: effect.key }),
        );
      }
      return;
    }
    case "REFUND": {
      await refund(ctx, effect, payload);
      return;
    }
    case "BOOK_CALENDLY_INVITEE": {
      await bookInCalendly(ctx, effect, payload.startTime);
      return;
    }
  }
}

/** A charge with its refunds, as Stripe has it now. */
async function chargeOf(ctx: DomainContext, paymentIntentId: string): Promise<Stripe.Charge> {
  const pi = await ctx.metrics.time("stripe", "retrieve_payment_intent", () =>
    ctx.providers.stripe.paymentIntents.retrieve(paymentIntentId),
  );
  const chargeId = typeof pi.latest_charge === "string" ? pi.latest_charge : pi.latest_charge?.id;
  if (!chargeId) throw new Error(`PaymentIntent ${paymentIntentId} has no charge to refund`);
  return retrieveChargeWithRefunds(ctx, chargeId);
}

/** Stripe leaves `charge.refunds` out unless it is expanded. */
export function retrieveChargeWithRefunds(ctx: DomainContext, chargeId: string): Promise<Stripe.Charge> {
  return ctx.metrics.time("stripe", "retrieve_charge", () =>
    ctx.providers.stripe.charges.retrieve(chargeId, { expand: ["refunds"] }),
  );
}

export function chargeFacts(charge: Stripe.Charge, keys: Map<string, string> = new Map()) {
  return {
    refunded: charge.amount_refunded,
    refunds: (charge.refunds?.data ?? []).map((r) => ({
      id: r.id,
      amount: r.amount,
      currency: r.currency,
      status: r.status,
      reason: r.metadata?.reason ?? null,
      ...(keys.has(r.id) ? { idempotencyKey: keys.get(r.id)! } : {}),
    })),
  };
}

/**
 * Refunds what is still due at this moment: the target less what Stripe has already refunded
 * (by an earlier attempt, or from the Dashboard), then records what Stripe actually did.
 */
async function refund(
  ctx: DomainContext,
  effect: SideEffect,
  payload: Extract<SideEffectPayload, { kind: "REFUND" }>,
): Promise<void> {
  const target = payload.target ?? payload.amount ?? 0;
  let charge = await chargeOf(ctx, payload.paymentIntentId);
  const payment = await ctx.prisma.payment.findUniqueOrThrow({
    where: { id: payload.paymentId },
    select: { destinationAccountId: true, transferId: true },
  });
  // A destination charge: only the platform can take the builder's share back, and must. A
  // zero-fee builder's charge has no application fee, so there is none to return.
  const connect = payment.destinationAccountId
    ? {
        reverse_transfer: true,
        ...(charge.application_fee ? { refund_application_fee: payload.refundApplicationFee ?? true } : {}),
      }
    : {};
  const transfer = typeof charge.transfer === "string" ? charge.transfer : charge.transfer?.id;
  if (transfer && !payment.transferId) await recordTransfer(ctx, payload.paymentId, transfer);
  const captured = charge.status === "succeeded" ? charge.amount_captured : 0;
  const due = refundDue(target, { captured, refunded: charge.amount_refunded });
  const keys = new Map<string, string>();
  if (due > 0) {
    // The key names the starting point too: a retry from the same state replays the same
    // refund, and a refund made elsewhere in between makes a fresh request for what is left.
    const idempotencyKey = `${effect.key}@${charge.amount_refunded}`;
    const created = await ctx.metrics.time("stripe", "create_refund", () =>
      ctx.providers.stripe.refunds.create(
        {
          payment_intent: payload.paymentIntentId,
          amount: due,
          ...connect,
          metadata: { booking_id: effect.bookingId, reason: payload.reason },
        },
        { idempotencyKey },
      ),
    );
    keys.set(created.id, idempotencyKey);
    charge = await retrieveChargeWithRefunds(ctx, charge.id);
  }
  await recordRefund(ctx, payload.paymentId, chargeFacts(charge, keys), `refund issued: ${payload.reason}`);
}

export interface RunResult {
  done: number;
  failed: number;
  /** Due effects another worker has claimed (performing them now, or died doing so). */
  busy: number;
}

/**
 * An effect the caller needs done is claimed by another worker. Answering a provider's
 * redelivery 2xx now could leave it undone for good if that worker died, so the caller asks to
 * be retried instead; the retry finds it done, or its claim abandoned and takes it over.
 */
export class SideEffectInProgressError extends Error {
  override name = "SideEffectInProgressError";
  constructor() {
    super("a side effect of this booking is being performed by another worker; retry later");
  }
}

/**
 * Runs the given effects (or every due one for a booking) that this worker can claim.
 * Throws the first error after recording it, so a webhook can answer non-2xx and be retried;
 * likewise (SideEffectInProgressError) when another worker holds the claim on one of them.
 * `ignoreBackoff` is for runs a provider's redelivery triggers: the provider's retry schedule
 * is the backoff, and the redelivery must find the effect attempted, or it would answer 200
 * with the effect still undone. The sweeper honours each effect's own backoff.
 */
export async function runSideEffects(
  ctx: DomainContext,
  where: Prisma.SideEffectWhereInput,
  { throwOnError = true, ignoreBackoff = false } = {},
): Promise<RunResult> {
  const due = await ctx.prisma.sideEffect.findMany({
    where: { ...where, status: "PENDING", ...(ignoreBackoff ? {} : { runAfter: { lte: new Date() } }) },
    orderBy: { createdAt: "asc" },
    take: 50,
  });
  const result: RunResult = { done: 0, failed: 0, busy: 0 };
  let firstError: unknown;
  for (const candidate of due) {
    const effect = await claim(ctx, candidate, ignoreBackoff);
    if (!effect) {
      const now = await ctx.prisma.sideEffect.findUnique({ where: { id: candidate.id }, select: { status: true } });
      if (now?.status === "PENDING") result.busy++;
      continue;
    }
    try {
      await perform(ctx, effect);
      await ctx.prisma.sideEffect.update({
        where: { id: effect.id },
        data: { status: "DONE", doneAt: new Date(), claimedAt: null, lastError: null },
      });
      result.done++;
    } catch (error) {
      if (error instanceof SideEffectDeferred) {
        await ctx.prisma.sideEffect.update({
          where: { id: effect.id },
          data: { claimedAt: null, runAfter: error.runAt, attempts: { decrement: 1 }, lastError: error.message },
        });
        continue;
      }
      const message = error instanceof Error ? error.message : String(error);
      const giveUp = effect.attempts >= MAX_ATTEMPTS;
      const backoffMs = Math.min(5 * 60_000, 2 ** effect.attempts * 1000);
      await ctx.prisma.sideEffect.update({
        where: { id: effect.id },
        data: {
          status: giveUp ? "FAILED" : "PENDING",
          lastError: message.slice(0, 500),
          claimedAt: null,
          runAfter: new Date(Date.now() + backoffMs),
        },
      });
      ctx.log.warn({ bookingId: effect.bookingId, kind: effect.kind, err: error, giveUp }, "side effect failed");
      result.failed++;
      firstError ??= error;
    }
  }
  if (firstError && throwOnError) throw firstError;
  if (result.busy > 0 && throwOnError) throw new SideEffectInProgressError();
  return result;
}
