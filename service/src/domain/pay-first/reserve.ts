// Pay first: a visitor's chosen start time is checked with Calendly, reserved among our own
// visitors within the builder's Scheduling API budget, and Checkout opened at the server price.
import type { Builder, SessionType } from "../../generated/prisma/client.js";
import { AppError, conflict, unprocessable } from "../../lib/errors.js";
import { type EventType, isCalendlyError } from "../../providers/calendly.js";
import { loadBookableBuilder } from "../attempts.js";
import { releaseHold } from "../booking/lifecycle.js";
import { openReservation, type QuestionAnswer, slotUnavailable } from "../booking/scheduling.js";
import { bookingToken } from "../booking-token.js";
import type { BookingCreated } from "../bookings.js";
import { ensureCheckout } from "../bookings.js";
import { calendlyFor } from "../calendly-connections/client.js";
import type { DomainContext } from "../context.js";
import { runSideEffects } from "../side-effects.js";
import { calendlyFailure } from "../verification.js";
import { schedulingBudget } from "./budget.js";
import { eventTypeFor, slotOffered } from "./calendly-slot.js";
import { payFirstBlock } from "./offer.js";

/** A start closer than this cannot be paid for and booked in time. */
const MIN_LEAD_MS = 5 * 60_000;

export interface ReserveInput {
  builder: string;
  sessionTypeId?: string;
  startTime: string;
  invitee: { name: string; email: string; timezone: string };
  answers: { position: number; answer: string }[];
  siteId: string | null;
  returnUrl: string;
}

export const payFirstUnavailable = (why: string) =>
  conflict("pay_first_unavailable", `builder: cannot be booked pay-first now (${why}); use the embedded flow`);

/** The event type's enabled questions, each answer matched to its question; 422 naming the answer otherwise. */
export function matchAnswers(
  questions: EventType["custom_questions"],
  answers: ReserveInput["answers"],
): QuestionAnswer[] {
  const enabled = questions.filter((q) => q.enabled);
  const seen = new Set<number>();
  const matched = answers.map((a, i) => {
    const q = enabled.find((x) => x.position === a.position);
    if (!q)
      throw unprocessable(
        "answer_invalid",
        `answers[${i}].position: the event type asks no question ${a.position}`,
        `answers[${i}].position`,
      );
    if (seen.has(a.position))
      throw unprocessable("answer_invalid", `answers[${i}].position: answered twice`, `answers[${i}].position`);
    seen.add(a.position);
    if (
      q.type === "single_select" &&
      q.answer_choices.length > 0 &&
      !q.include_other &&
      !q.answer_choices.includes(a.answer)
    ) {
      throw unprocessable(
        "answer_invalid",
        `answers[${i}].answer: must be one of the choices of "${q.name}"`,
        `answers[${i}].answer`,
      );
    }
    return { question: q.name, answer: a.answer.trim(), position: q.position };
  });
  for (const q of enabled) {
    if (q.required && !matched.some((m) => m.position === q.position && m.answer !== "")) {
      throw unprocessable("answer_required", `answers: "${q.name}" must be answered`, "answers");
    }
  }
  return matched.filter((m) => m.answer !== "");
}

async function checkWithCalendly(
  ctx: DomainContext,
  builder: Builder,
  sessionType: SessionType,
  start: Date,
  answers: ReserveInput["answers"],
): Promise<{ eventTypeUri: string; questionsAndAnswers: QuestionAnswer[] }> {
  const eventTypeUri = await eventTypeFor(ctx, builder, sessionType);
  const calendly = calendlyFor(ctx, builder);
  try {
    const [eventType, offered] = await Promise.all([
      ctx.metrics.time("calendly", "get_event_type", () => calendly.getEventType(eventTypeUri)),
      slotOffered(ctx, calendly, eventTypeUri, start),
    ]);
    const questionsAndAnswers = matchAnswers(eventType.custom_questions ?? [], answers);
    if (!offered) throw slotUnavailable();
    return { eventTypeUri, questionsAndAnswers };
  } catch (error) {
    if (isCalendlyError(error)) throw calendlyFailure(error, "The event type");
    throw error;
  }
}

export async function reserve(ctx: DomainContext, input: ReserveInput): Promise<BookingCreated> {
  const { builder, sessionType, decision } = await loadBookableBuilder(ctx, input.builder, input.sessionTypeId);
  const block = payFirstBlock(builder, decision);
  if (block) throw payFirstUnavailable(block);
  const start = new Date(input.startTime);
  if (start.getTime() < Date.now() + MIN_LEAD_MS) {
    throw unprocessable("start_too_soon", "startTime: must be at least 5 minutes from now", "startTime");
  }
  const checked = await checkWithCalendly(ctx, builder, sessionType, start, input.answers);
  const booking = await ctx.prisma.$transaction(async (tx) => {
    // One reservation at a time per builder, so two cannot both take the budget's last place.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`pay-first:${builder.id}`}))`;
    const budget = await schedulingBudget(ctx, builder.id, tx);
    if (!budget.open) throw payFirstUnavailable("the builder's Calendly booking limit is reached for now");
    return openReservation(tx, ctx, {
      builder,
      sessionType,
      eventTypeUri: checked.eventTypeUri,
      startTime: start,
      invitee: input.invitee,
      questionsAndAnswers: checked.questionsAndAnswers,
      siteId: input.siteId,
    });
  });
  ctx.log.info({ bookingId: booking.id, builderId: builder.id }, "pay-first time reserved");
  let checkoutUrl: string | null = null;
  if (booking.status === "PENDING_PAYMENT") {
    try {
      checkoutUrl = await ensureCheckout(ctx, booking, input.returnUrl);
    } catch (error) {
      // No checkout, no hold: the time goes back at once, so the visitor's retry can take it.
      await releaseHold(ctx, booking.id, {
        to: "FAILED",
        cause: `checkout could not be opened (${error instanceof AppError ? error.code : "error"})`,
        expireCheckout: false,
      });
      throw error;
    }
  } else {
    // A free session: nothing to pay, so it is booked now.
    await runSideEffects(ctx, { bookingId: booking.id }, { throwOnError: false });
  }
  const current = await ctx.prisma.booking.findUniqueOrThrow({ where: { id: booking.id } });
  return {
    bookingId: booking.id,
    bookingToken: bookingToken(ctx.config.bookingTokenSecret, booking.id),
    status: current.status,
    checkoutUrl,
    holdExpiresAt: current.holdExpiresAt?.toISOString() ?? null,
    created: true,
  };
}
