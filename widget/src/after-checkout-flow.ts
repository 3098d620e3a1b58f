// SPDX-License-Identifier: MIT
/**
 * The booking flow from a booked slot on (see `booking-flow.ts`): the booking and its checkout,
 * watching the booking when checkout opens elsewhere, what the polled booking means, back to
 * checkout while the hold lasts, and the hold running out. Pure, like the rest of the flow; it
 * loads with the code after checkout, before any of its events can happen.
 */
import { badAnswer, type Effect, type Flow, type FlowEnv, type FlowEvent, fail, type Step } from "./booking-flow.js";
import { type BookingStatus, BookingStatusValues } from "./generated/contract.js";
import { isHttpUrl, isMoney, isObject, isText } from "./service-answers.js";
import type { BawState, Booking, CreatedBooking } from "./types.js";

/** A timestamp the browser can read (here, not in `service-answers.ts`: only the pages after checkout read times). */
const isTime = (v: unknown): v is string => isText(v) && !Number.isNaN(Date.parse(v));

/** `POST /v1/bookings`'s answer. */
export const isCreatedBooking = (v: unknown): v is CreatedBooking =>
  isObject(v) && isText(v.bookingId) && isText(v.bookingToken) && isHttpUrl(v.checkoutUrl) && isTime(v.holdExpiresAt);

/** How long a paid pay-first booking is polled while the service books it in Calendly, by default. */
export const SCHEDULING_TIMEOUT = 180_000;

/** `GET /v1/bookings/…`'s answer, as far as the pages after checkout read it. */
export const isBooking = (v: unknown): v is Booking =>
  isObject(v) &&
  isText(v.id) &&
  BookingStatusValues.includes(v.status as BookingStatus) &&
  isObject(v.builder) &&
  isText(v.builder.name) &&
  isObject(v.sessionType) &&
  isText(v.sessionType.id) &&
  isText(v.sessionType.name) &&
  isTime(v.startTime) &&
  isMoney(v.price) &&
  isMoney(v.amountPaid) &&
  (v.holdExpiresAt == null || isTime(v.holdExpiresAt)) &&
  (v.rebookBy == null || isTime(v.rebookBy)) &&
  (v.flow === "embedded" || v.flow === "pay-first") &&
  Array.isArray(v.history) &&
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

/** A pay-first booking that was never booked in Calendly (so it ends refunded in full). */
const neverBooked = (b: Booking): boolean => b.flow === "pay-first" && !b.history.some((h) => h.to === "CONFIRMED");

/** What the booking's status means for the visitor: the state to show, and what to do next. */
export function judgeBooking(flow: Flow, answer: Booking, env: FlowEnv): Step {
  const judged = { ...flow, booking: answer };
  const shown = (state: BawState, ...more: Effect[]): Step => [
    { ...judged, state },
    [{ type: "cancel" }, ...more, { type: "focus-heading" }],
  ];
  switch (answer.status) {
    case "CONFIRMED":
      return shown("confirmed", { type: "booking-confirmed", booking: answer });
    case "SCHEDULING": {
      // Paid: the service books the time in Calendly. Polled while it lasts, within its own bound.
      const ms = env.timeouts.scheduling ?? SCHEDULING_TIMEOUT;
      const poll: Effect = { type: "poll", ref: flow.ref!, cancelled: false, deadline: env.now + ms, scheduling: true };
      if (flow.state === "scheduling") return [judged, [{ type: "cancel" }, poll]];
      return shown("scheduling", poll);
    }
    case "NEEDS_NEW_TIME": {
      // Paid, and the time was taken first: the picker again, with the payment held until rebookBy.
      const pay = { from: env.now, values: {}, errors: {} };
      const next = { ...judged, pay };
      const times: Effect = {
        type: "fetch-times",
        sessionTypeId: answer.sessionType.id,
        from: env.now,
        builder: answer.builder.id,
      };
      // Rebooking needs the booking's token; a return by Stripe's session id alone only explains.
      const more: Effect[] = flow.ref && "token" in flow.ref ? [times] : [];
      return [{ ...next, state: "needs-new-time" }, [{ type: "cancel" }, ...more, { type: "focus-heading" }]];
    }
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
      if (neverBooked(answer)) return shown("refunded");
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
    // Pay first: the reservation opens checkout; the rebooking's answer is the booking (SCHEDULING).
    case "reservation": {
      if (state !== "reserving") return [flow, []];
      const created = event.answer;
      if (!isCreatedBooking(created)) return fail(flow, badAnswer);
      const ref = { id: created.bookingId, token: created.bookingToken };
      const [next, effects] = toCheckout({ ...flow, ref, cancelled: false }, created, env);
      return [next, [{ type: "reserved", bookingId: created.bookingId }, ...effects]];
    }
    case "rebooked":
      if (state !== "rebooking") return [flow, []];
      return isBooking(event.answer) ? judgeBooking(flow, event.answer, env) : fail(flow, badAnswer);
    case "watch":
      return state === "redirecting" ? watch(flow, event.blocked, env) : [flow, []];
    case "polled":
      if (state !== "confirming" && state !== "redirecting" && state !== "scheduling") return [flow, []];
      return isBooking(event.answer) ? judgeBooking(flow, event.answer, env) : fail(flow, badAnswer);
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
