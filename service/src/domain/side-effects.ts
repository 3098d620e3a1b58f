// Provider calls that state changes require, run exactly once through the outbox table.
// A change and its side effect are written in one transaction; a worker then claims the
// effect (one claimant at a time, across instances) and performs it with the effect's key as
// the provider's idempotency key, so a retry after a crash cannot do it twice.
import type { Prisma, SideEffect, SideEffectKind } from "../generated/prisma/client.js";
import { uuidFromUri } from "../providers/calendly.js";
import { transition } from "./booking-states.js";
import type { DomainContext } from "./context.js";

type Tx = Prisma.TransactionClient;

export type SideEffectPayload =
  | { kind: "CANCEL_CALENDLY_EVENT"; eventUri: string; reason: string }
  | { kind: "EXPIRE_CHECKOUT"; checkoutSessionId: string }
  | { kind: "REFUND"; paymentId: string; paymentIntentId: string; amount: number; currency: string; reason: string };

const MAX_ATTEMPTS = 12;

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
      await ctx.metrics.time("calendly", "cancel_event", () =>
        ctx.providers.calendly.cancelEvent(uuidFromUri(payload.eventUri), payload.reason),
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
      const refund = await ctx.metrics.time("stripe", "create_refund", () =>
        ctx.providers.stripe.refunds.create(
          {
            payment_intent: payload.paymentIntentId,
            amount: payload.amount,
            metadata: { booking_id: effect.bookingId, reason: payload.reason },
          },
          { idempotencyKey: effect.key },
        ),
      );
      await ctx.prisma.$transaction(async (tx) => {
        await tx.refund.upsert({
          where: { idempotencyKey: effect.key },
          create: {
            paymentId: payload.paymentId,
            idempotencyKey: effect.key,
            stripeRefundId: refund.id,
            amount: refund.amount,
            currency: refund.currency,
            status: refund.status === "succeeded" ? "SUCCEEDED" : refund.status === "failed" ? "FAILED" : "PENDING",
            reason: payload.reason,
          },
          update: { stripeRefundId: refund.id, status: refund.status === "succeeded" ? "SUCCEEDED" : "PENDING" },
        });
        const payment = await tx.payment.findUniqueOrThrow({ where: { id: payload.paymentId } });
        const refunded = Math.max(payment.amountRefunded, refund.amount);
        // Conditional: a concurrent charge.refunded may have recorded a larger running total.
        await tx.payment.updateMany({
          where: { id: payment.id, amountRefunded: { lt: refunded } },
          data: {
            amountRefunded: refunded,
            status: refunded >= payment.amount ? "REFUNDED" : "PARTIALLY_REFUNDED",
          },
        });
      });
      return;
    }
  }
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
      if (effect.kind === "REFUND") await afterRefund(ctx, effect.bookingId);
      result.done++;
    } catch (error) {
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

async function afterRefund(ctx: DomainContext, bookingId: string): Promise<void> {
  await ctx.prisma.$transaction(async (tx) => {
    const r = await transition(tx, bookingId, "REFUNDED", "refund issued per the builder's policy");
    if (r.applied) ctx.metrics.step("refunded");
  });
}
