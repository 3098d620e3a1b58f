// SPDX-License-Identifier: MIT
/**
 * The booking flow from a booked slot on (see `booking-flow.ts`): the booking and its checkout,
 * watching the booking when checkout opens elsewhere, what the polled booking means, back to
 * checkout while the hold lasts, and the hold running out. Pure, like the rest of the flow; it
 * loads with the code after checkout, before any of its events can happen.
 */
import { badAnswer, type Effect, type Flow, type FlowEnv, type FlowEvent, fail, type Step } from "./booking-flow.js";
import { isHttpUrl, isMoney, isObject, isText } from "./service-answers.js";
import type { BawState, Booking, CreatedBooking } from "./types.js";

/** A timestamp the browser can read (here, not in `service-answers.ts`: only the pages after checkout read times). */
const isTime = (v: unknown): v is string => isText(v) && !Number.isNaN(Date.parse(v));

/** `POST /v1/bookings`'s answer. */
export const isCreatedBooking = (v: unknown): v is CreatedBooking =>
  isObject(v) && isText(v.bookingId) && isText(v.bookingToken) && isHttpUrl(v.checkoutUrl) && isTime(v.holdExpiresAt);

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
  isMoney(v.amountPaid) &&
  (v.holdExpiresAt == null || isTime(v.holdExpiresAt)) &&
  (v.checkoutUrl == null || isHttpUrl(v.checkoutUrl));

/** Announces the redirect and opens checkout; still here after the checkout timeout, the element offers the link. */
export function toCheckout(flow: Flow, checkout: CreatedBooking, env: FlowEnv): Step {
  return [
    { ...flow, state: "redirecting", checkout, checkoutLink: undefined },
    // open-checkout last: the host's answer to baw-checkout-redirect comes back at once, as `watch`.
    [
      { type: "cancel" },
      { type: "timer", name: "checkout", ms: env.timeouts.checkout },
      { type: "open-checkout", checkout },
    ],
  ];
}

function watch(flow: Flow, blocked: boolean, env: FlowEnv): Step {
  const checkout = flow.checkout!;
  const deadline = Math.max(Date.parse(checkout.holdExpiresAt), env.now + env.timeouts.confirm);
  return [
    { ...flow, checkoutLink: blocked ? checkout.checkoutUrl : undefined },
    [{ type: "cancel" }, { type: "poll", ref: flow.ref!, cancelled: false, deadline }],
  ];
}

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
    case "created": {
      if (state !== "creating-checkout") return [flow, []];
      const created = event.answer;
      if (!isCreatedBooking(created)) return fail(flow, badAnswer);
      const ref = { id: created.bookingId, token: created.bookingToken };
      return toCheckout({ ...flow, ref, cancelled: false }, created, env);
    }
    case "watch":
      return state === "redirecting" ? watch(flow, event.blocked, env) : [flow, []];
    case "polled":
      return state === "confirming" || state === "redirecting" ? onBooking(flow, event.answer, env) : [flow, []];
    case "return-to-checkout": {
      const b = flow.booking;
      if (state !== "payment-cancelled" || !b?.checkoutUrl || !b.holdExpiresAt) return [flow, []];
      const checkout = {
        bookingId: b.id,
        bookingToken: "",
        status: b.status,
        checkoutUrl: b.checkoutUrl,
        holdExpiresAt: b.holdExpiresAt,
      };
      return toCheckout(flow, checkout, env);
    }
    case "timer":
      if (event.name === "checkout") return state === "redirecting" ? watch(flow, true, env) : [flow, []];
      return event.name === "hold" && state === "payment-cancelled"
        ? [{ ...flow, state: "hold-expired" }, []]
        : undefined;
  }
  return undefined;
}
