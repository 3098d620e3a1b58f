// SPDX-License-Identifier: MIT
/**
 * After Stripe Checkout: polling the booking, and the views of its outcome. Loaded on demand
 * (when the visitor comes back from checkout, or while checkout is open in another tab), so the
 * calendar's first load stays small.
 */
import { html, type TemplateResult } from "lit";

export { nextAfterCheckout } from "./after-checkout-flow.js";

import { ApiError } from "./api-client.js";
import { formatMoney } from "./format.js";
import { enAfterCheckout } from "./i18n/en-after-checkout.js";
import { type CoreStrings, fill, type Strings } from "./i18n/index.js";
import type { BawState, Booking } from "./types.js";

/**
 * GETs the booking with backoff (0.5 s × 1.6, capped at 5 s) until it leaves PENDING_PAYMENT
 * (or at once when the visitor `cancelled` checkout), or `deadline` passes.
 */
export async function pollBooking(
  get: () => Promise<Booking>,
  cancelled: boolean,
  deadline: number,
  signal: AbortSignal,
): Promise<Booking> {
  for (let delay = 500; ; delay = Math.min(delay * 1.6, 5000)) {
    try {
      const b = await get();
      // Anything but a pending booking is the flow's to judge (a malformed answer included).
      if (b?.status !== "PENDING_PAYMENT" || cancelled) return b;
    } catch (e) {
      if (!(e instanceof ApiError) || !e.retryable) throw e;
    }
    if (Date.now() + delay > deadline) throw new ApiError("confirm_timeout", "", true);
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

/** The element's frame for one state's view: heading, message, then `content`. */
type View = (title: string, message?: string, content?: unknown) => TemplateResult;

/** The views of `confirmed`, `payment-cancelled`, `hold-expired` and `payment-failed`. */
export function resultView(
  state: BawState,
  b: Booking,
  strings: CoreStrings & Partial<Strings>,
  locale: string,
  view: View,
  toCheckout: () => void,
  again: TemplateResult,
): TemplateResult {
  const t: Strings = { ...enAfterCheckout, ...strings };
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
        <dd>${formatMoney(b.amountPaid ?? b.price, locale)}</dd>
      </dl>`,
    );
  }
  if (state === "payment-cancelled") {
    return view(
      t.cancelledTitle,
      // The hold is minutes away: the time of day in the visitor's zone says enough.
      fill(t.cancelledText, { time: date(b.holdExpiresAt!, { timeStyle: "short" }) }),
      html`<button part="button" @click=${toCheckout}>${t.returnToCheckout}</button>${again}`,
    );
  }
  return state === "hold-expired"
    ? view(t.expiredTitle, t.expiredText, again)
    : view(t.failedTitle, t.failedText, again);
}
