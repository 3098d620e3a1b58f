// SPDX-License-Identifier: MIT
/**
 * After Stripe Checkout: polling the booking, and the views of its outcome. Loaded on demand
 * (when the visitor comes back from checkout, or while checkout is open in another tab), so the
 * calendar's first load stays small.
 */
import { html, type TemplateResult } from "lit";

export { nextAfterCheckout } from "./after-checkout-flow.js";
export { BawBookingConfirmedEvent } from "./events/booking-confirmed.js";

import { ApiError } from "./api-client.js";
import type { WatchTimeouts } from "./attempt-outcome.js";
import type { Effect, Flow, FlowEvent } from "./booking-flow.js";
import { BawCheckoutRedirectEvent } from "./events/checkout-redirect.js";
import { formatMoney } from "./format.js";
import { enAfterCheckout } from "./i18n/en-after-checkout.js";
import { type CoreStrings, fill, type Strings } from "./i18n/index.js";
import { answerOrRefusal } from "./refusal.js";
import type { Booking, BookingRef, CreatedBooking, Timeouts } from "./types.js";

/** Calls the booking service for the element (aborted with the element's requests). */
export type Call = (
  path: string,
  timeout: number,
  init?: { method?: string; body?: unknown; token?: string },
) => Promise<unknown>;

/**
 * The requests the flow asks for from a booked slot (or pay first's reservation) on, and the "Open
 * in Calendly" watch's read of the attempt: the answer comes back as the event of the same name.
 */
export async function requestFor(
  effect: Extract<Effect, { type: "create-booking" | "poll" | "fetch-outcome" | "reserve" | "rebook" }>,
  call: Call,
  timeouts: Timeouts & WatchTimeouts,
  signal: AbortSignal,
): Promise<FlowEvent> {
  switch (effect.type) {
    case "create-booking":
      return {
        type: "created",
        answer: await call("/v1/bookings", timeouts.checkout, { method: "POST", body: effect.slot }),
      };
    case "reserve":
      // Pay first: the reservation opens checkout like a booked slot does, so it comes with this module.
      return answerOrRefusal(
        call("/v1/reservations", timeouts.checkout, { method: "POST", body: effect.body }),
        "reservation",
      );
    case "rebook": {
      const { ref, startTime } = effect;
      const path = `/v1/bookings/${encodeURIComponent(ref.id)}/rebook`;
      const init = { method: "POST", body: { startTime }, token: ref.token };
      return answerOrRefusal(call(path, timeouts.checkout, init), "rebooked");
    }
    case "poll": {
      const get = (path: string, token?: string) => call(path, timeouts.confirm, { token });
      const { ref, cancelled, deadline, scheduling } = effect;
      return { type: "polled", answer: await pollBooking(get, ref, cancelled, deadline, signal, scheduling) };
    }
    default: {
      const path = `/v1/booking-attempts/${encodeURIComponent(effect.attemptId)}/outcome`;
      return { type: "outcome", answer: await call(path, timeouts.config) };
    }
  }
}

/**
 * GETs the booking with backoff (0.5 s × 1.6, capped at 5 s) until it leaves PENDING_PAYMENT
 * (with `scheduling`, SCHEDULING too), or at once when the visitor `cancelled` checkout, or
 * `deadline` passes (`confirm_timeout`, or `scheduling_timeout`). The answer is the flow's to
 * judge (see `after-checkout-flow.ts`), malformed or not.
 */
export async function pollBooking(
  get: (path: string, token?: string) => Promise<unknown>,
  ref: BookingRef,
  cancelled: boolean,
  deadline: number,
  signal: AbortSignal,
  scheduling = false,
): Promise<unknown> {
  const path =
    "id" in ref
      ? `/v1/bookings/${encodeURIComponent(ref.id)}`
      : `/v1/bookings/by-checkout-session/${encodeURIComponent(ref.sessionId)}`;
  for (let delay = 500; ; delay = Math.min(delay * 1.6, 5000)) {
    try {
      const b = (await get(path, "id" in ref ? ref.token : undefined)) as Booking | null;
      const waiting = b?.status === "PENDING_PAYMENT" || (scheduling && b?.status === "SCHEDULING");
      if (!waiting || cancelled) return b;
    } catch (e) {
      if (!(e instanceof ApiError) || !e.retryable) throw e;
    }
    if (Date.now() + delay > deadline)
      throw new ApiError(scheduling ? "scheduling_timeout" : "confirm_timeout", "", true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, delay);
      signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }
}

/**
 * Announces the redirect to checkout and navigates the top window. Returns whether to watch the
 * booking from here: `false` when the host cancelled the event (it navigates itself), `true` when the
 * browser refused (the element offers a link), undefined when the page is on its way.
 */
export function openCheckout(
  element: { navigate: (url: string) => boolean; dispatchEvent(event: Event): boolean },
  { bookingId, checkoutUrl, holdExpiresAt }: CreatedBooking,
): boolean | undefined {
  if (!element.dispatchEvent(new BawCheckoutRedirectEvent({ bookingId, checkoutUrl, holdExpiresAt }))) return false;
  return element.navigate(checkoutUrl) === false ? true : undefined;
}

/** The URL without the return parameters, so "Book another time" and reloads start afresh. */
export function stripReturn(href: string): string {
  const url = new URL(href);
  for (const k of ["baw_booking", "baw_token", "baw_checkout", "session_id"]) url.searchParams.delete(k);
  return url.href;
}

/**
 * Forgets the return from checkout: the page URL's parameters and the element's attributes. (Only
 * a return from checkout brings them, and it loads this module.)
 */
export function forgetReturn(element: { bookingId?: string; bookingToken?: string; checkoutSession?: string }): void {
  history.replaceState(history.state, "", stripReturn(location.href));
  element.bookingId = element.bookingToken = element.checkoutSession = undefined;
}

/** The element's frame for one state's view: heading, message, then `content`, with a spinner if waiting. */
export type View = (title: string, message?: string, content?: unknown, spinner?: boolean) => TemplateResult;

/** The views of `redirecting`, `confirmed`, `payment-cancelled`, `hold-expired`, `payment-failed`, and pay first's `scheduling` and `refunded`. */
export function resultView(
  flow: Flow,
  strings: CoreStrings & Partial<Strings>,
  locale: string,
  view: View,
  toCheckout: () => void,
  again: () => void,
): TemplateResult {
  const t: CoreStrings & typeof enAfterCheckout = { ...enAfterCheckout, ...strings };
  const bookAgain = html`<button part="button" @click=${again}>${t.again}</button>`;
  const { state, checkoutLink } = flow;
  if (state === "redirecting") {
    return checkoutLink
      ? view(
          t.blocked,
          "",
          html`<a part="button" class="btn" href=${checkoutLink} target="_blank" rel="noopener">${t.openCheckout}</a>`,
        )
      : view(t.redirecting, "", undefined, true);
  }
  const b = flow.booking!;
  if (state === "scheduling")
    return view(fill(t.schedulingTitle, { name: b.builder.name }), t.schedulingText, undefined, true);
  if (state === "refunded") {
    return view(t.refundedTitle, b.status === "REFUNDED" ? t.refundedText : t.refundingText, bookAgain);
  }
  const date = (iso: string, o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, o).format(new Date(iso));
  if (state === "confirmed") {
    return view(
      t.confirmedTitle,
      "",
      html`<dl part="summary">
        <dt>${t.with}</dt>
        <dd>${b.builder.name}</dd>
        <dt>${t.session}</dt>
        <dd>${b.sessionType.name}</dd>
        <dt>${t.when}</dt>
        <dd>
          ${date(b.startTime, {
            weekday: "long",
            year: "numeric",
            month: "long",
            day: "numeric",
            hour: "numeric",
            minute: "2-digit",
            timeZoneName: "short",
          })}
        </dd>
        <dt>${t.paid}</dt>
        <dd>${formatMoney(b.amountPaid, locale)}</dd>
      </dl>`,
    );
  }
  if (state === "payment-cancelled") {
    return view(
      t.cancelledTitle,
      // The hold is minutes away: the time of day in the visitor's zone says enough.
      fill(t.cancelledText, { time: date(b.holdExpiresAt!, { timeStyle: "short" }) }),
      html`<button part="button" @click=${toCheckout}>${t.returnToCheckout}</button>${bookAgain}`,
    );
  }
  return state === "hold-expired"
    ? view(t.expiredTitle, t.expiredText, bookAgain)
    : view(t.failedTitle, t.failedText, bookAgain);
}
