// SPDX-License-Identifier: MIT
/**
 * The booking flow after checkout (see `booking-flow.ts`): what the polled booking means, back to
 * checkout while the hold lasts, and the hold running out. Pure, like the rest of the flow; it loads
 * with the pages after checkout, before any of its events can happen.
 */
import {
  badAnswer,
  type Effect,
  type Flow,
  type FlowEnv,
  type FlowEvent,
  fail,
  type Step,
  toCheckout,
} from "./booking-flow.js";
import { isHttpUrl, isMoney, isObject, isText, isTime } from "./service-answers.js";
import type { BawState, Booking } from "./types.js";

const STATUSES = ["PENDING_PAYMENT", "CONFIRMED", "EXPIRED", "FAILED", "CANCELLED", "REFUNDED"];

/** `GET /v1/bookings/…`'s answer, as far as the pages after checkout read it. */
export const isBooking = (v: unknown): v is Booking =>
  isObject(v) &&
  isText(v.id) &&
  STATUSES.includes(v.status as string) &&
  isObject(v.builder) &&
  isText(v.builder.name) &&
  isObject(v.sessionType) &&
  isText(v.sessionType.id) &&
  isText(v.sessionType.name) &&
  isTime(v.startTime) &&
  isMoney(v.price) &&
  (v.amountPaid == null || isMoney(v.amountPaid)) &&
  (v.holdExpiresAt == null || isTime(v.holdExpiresAt)) &&
  (v.checkoutUrl == null || isHttpUrl(v.checkoutUrl));

function onBooking(flow: Flow, answer: unknown, env: FlowEnv): Step {
  if (!isBooking(answer)) return fail(flow, badAnswer);
  const judged = { ...flow, booking: answer };
  const shown = (state: BawState, ...more: Effect[]): Step => [
    { ...judged, state },
    [{ type: "cancel" }, ...more, { type: "focus-heading" }],
  ];
  switch (answer.status) {
    case "CONFIRMED":
      return shown("confirmed", { type: "booking-confirmed", booking: answer });
    case "PENDING_PAYMENT": {
      const left = Date.parse(answer.holdExpiresAt ?? "") - env.now;
      return left > 0 && answer.checkoutUrl
        ? shown("payment-cancelled", { type: "timer", name: "hold", ms: left })
        : shown("hold-expired");
    }
    case "EXPIRED":
      return shown("hold-expired");
    case "FAILED":
      return shown("payment-failed");
    default:
      return fail(judged, { code: "booking_cancelled", message: "", retryable: false });
  }
}

/** The next step for the events after checkout; undefined for every other event (`next` has them). */
export function nextAfterCheckout(flow: Flow, event: FlowEvent, env: FlowEnv): Step | undefined {
  const { state } = flow;
  switch (event.type) {
    case "polled":
      return state === "confirming" || state === "redirecting" ? onBooking(flow, event.answer, env) : [flow, []];
    case "return-to-checkout": {
      const b = flow.booking;
      if (state !== "payment-cancelled" || !b?.checkoutUrl || !b.holdExpiresAt) return [flow, []];
      const checkout = {
        bookingId: b.id,
        bookingToken: "",
        checkoutUrl: b.checkoutUrl,
        holdExpiresAt: b.holdExpiresAt,
      };
      return toCheckout(flow, checkout, env);
    }
    case "timer":
      return event.name === "hold" && state === "payment-cancelled"
        ? [{ ...flow, state: "hold-expired" }, []]
        : undefined;
  }
  return undefined;
}
