// Pay first: a visitor's chosen start time is checked with Calendly, reserved among our own
// visitors within the builder's Scheduling API budget, and Checkout opened at the server price.
import type { BookingQuestion } from "../../contract/index.js";
import { AppError, unprocessable } from "../../lib/errors.js";
import { loadBookableBuilder } from "../attempts.js";
import { payFirstUnavailable } from "../availability/calendly-failure.js";
import { isSlotOpen, payFirstEventType } from "../availability/index.js";
import { releaseHold } from "../booking/lifecycle.js";
import { openReservation, type QuestionAnswer, slotUnavailable } from "../booking/scheduling.js";
import { type BookingCreated, bookingCreated, ensureCheckout } from "../bookings.js";
import type { DomainContext } from "../context.js";
import { runSideEffects } from "../side-effects.js";
import { schedulingBudget } from "./budget.js";
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

/** The visitor's answers matched to the event type's questions; 422 naming the answer otherwise. */
export function matchAnswers(
  questions: readonly BookingQuestion[],
  answers: ReserveInput["answers"],
): QuestionAnswer[] {
  const seen = new Set<number>();
  const refuse = (code: string, message: string, field: string) => unprocessable(code, `${field}: ${message}`, field);
  const matched = answers.map((a, i) => {
    const q = questions.find((x) => x.position === a.position);
    if (!q) throw refuse("answer_invalid", `the event type asks no question ${a.position}`, `answers[${i}].position`);
    if (seen.has(a.position)) throw refuse("answer_invalid", "answered twice", `answers[${i}].position`);
    seen.add(a.position);
    const answer = a.answer.trim();
    // Calendly refuses a choice it does not offer; refused before payment, not after.
    const choices = q.type === "single_select" ? [answer] : q.type === "multi_select" ? answer.split(/,\s*/) : [];
    if (answer && q.answerChoices.length > 0 && choices.some((c) => !q.answerChoices.includes(c))) {
      throw refuse("answer_invalid", `must be one of the choices of "${q.name}"`, `answers[${i}].answer`);
    }
    return { question: q.name, answer, position: q.position };
  });
  for (const q of questions) {
    if (q.required && !matched.some((m) => m.position === q.position && m.answer !== "")) {
      throw refuse("answer_required", `"${q.name}" must be answered`, "answers");
    }
  }
  return matched.filter((m) => m.answer !== "");
}

export async function reserve(ctx: DomainContext, input: ReserveInput): Promise<BookingCreated> {
  const { builder, sessionType, decision } = await loadBookableBuilder(ctx, input.builder, input.sessionTypeId);
  const block = payFirstBlock(builder, decision);
  if (block) throw payFirstUnavailable(builder.name, block, "their set-up does not allow it");
  const start = new Date(input.startTime);
  if (start.getTime() < Date.now() + MIN_LEAD_MS) {
    throw unprocessable("start_too_soon", "startTime: must be at least 5 minutes from now", "startTime");
  }
  // The event type and its questions (cached briefly), then the time itself, asked afresh.
  const eventType = await payFirstEventType(ctx, builder, sessionType);
  const questionsAndAnswers = matchAnswers(eventType.questions, input.answers);
  if (!(await isSlotOpen(ctx, builder, sessionType, start))) throw slotUnavailable();
  const booking = await ctx.prisma.$transaction(async (tx) => {
    // One reservation at a time per builder, so two cannot both take the budget's last place.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`pay-first:${builder.id}`}))`;
    const budget = await schedulingBudget(ctx, builder.id, tx);
    if (!budget.open) {
      throw payFirstUnavailable(builder.name, "scheduling_budget", "their Calendly booking limit is reached for now");
    }
    return openReservation(tx, ctx, {
      builder,
      sessionType,
      eventTypeUri: eventType.uri,
      durationMinutes: eventType.durationMinutes,
      startTime: start,
      invitee: input.invitee,
      questionsAndAnswers,
      siteId: input.siteId,
    });
  });
  ctx.log.info({ bookingId: booking.id, builderId: builder.id }, "pay-first time reserved");
  if (booking.status === "PENDING_PAYMENT") {
    let checkoutUrl: string;
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
    return bookingCreated(ctx, booking, checkoutUrl, true);
  }
  // A free session: nothing to pay, so it is booked now (and may be CONFIRMED already).
  await runSideEffects(ctx, { bookingId: booking.id }, { throwOnError: false });
  const current = await ctx.prisma.booking.findUniqueOrThrow({ where: { id: booking.id } });
  return bookingCreated(ctx, current, null, true);
}
