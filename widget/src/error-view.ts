// SPDX-License-Identifier: MIT
/**
 * The `error` state's view and the words for the codes the element knows. Loaded on demand, the
 * first time the element enters `error`, so the first file every page loads stays small. Until it
 * is there, or for good when it cannot load (offline), the element shows a plain view of its own
 * with a way forward, and still fires `baw-error`.
 */
import { html, nothing, type TemplateResult } from "lit";
import type { Flow } from "./booking-flow.js";
import type { View } from "./booking-result.js";
import { type CoreStrings, fill, type Strings } from "./i18n/index.js";

/** English strings of the error state: Retry's countdown and the message of each code (German ones are in `i18n/de.ts`). */
export const enError = {
  retryIn: "Retry in {seconds} s",
  network: "Can't reach the booking service.",
  timeout: "The booking service didn't answer in time.",
  ready_timeout: "The calendar didn't load.",
  confirm_timeout: "Confirming the payment is taking too long.",
  scheduling_timeout:
    "We have your payment, but booking your time is taking longer than usual. You'll get an e-mail once it's booked; if it can't be, your payment is refunded in full.",
  booking_cancelled: "This booking was cancelled.",
  unknown: "Unexpected error.",
  builder_not_found: "There is no such builder here.",
  calendar_unavailable: "The calendar can't be reached right now.",
  bad_answer: "The booking service sent an unreadable answer.",
  rate_limited: "Too many requests right now. Please wait a moment.",
  pay_first_unavailable:
    "Times can't be offered here right now. If you have paid and no time gets booked, your payment is refunded in full.",
  openCalendly: "Open in Calendly",
  browse: "Browse builders",
};

/** The element's string for a known code wins over the service's (English, developer-facing) message. */
export function errorMessage(error: { code: string; message: string }, strings: Partial<Strings>): string {
  const t: Record<string, string | undefined> = { ...enError, ...strings };
  return t[error.code] || error.message || t.unknown!;
}

/** What the error view offers besides Retry, built by the element. */
export interface ErrorActions {
  retry: () => void;
  /** "Book another time", offered when the builder is bookable. */
  again: () => void;
  /** Where "Browse builders" links to. */
  browseUrl: string;
  /** The scheduling page for "Open in Calendly", offered when the calendar failed ("" without an attempt). */
  calendlyPage: string;
  /** Watches the attempt once the visitor used "Open in Calendly". */
  watch: () => void;
}

/** "Open in Calendly": the scheduling page in a new tab; `watch` then watches the attempt from here. */
export const openCalendlyLink = (href: string, watch: () => void, strings: Partial<Strings>): unknown =>
  href
    ? html`<a part="link" href=${href} target="_blank" rel="noopener" @click=${watch}>${{ ...enError, ...strings }.openCalendly}</a>`
    : nothing;

/**
 * What went wrong, and after checkout what is known about the money; Retry when retrying can help
 * (disabled, counting down, while the service's `Retry-After` lasts), else the ways to start again.
 */
export function errorView(
  flow: Flow,
  strings: CoreStrings & Partial<Strings>,
  view: View,
  { retry, again, browseUrl, calendlyPage, watch }: ErrorActions,
): TemplateResult {
  const t = { ...enError, ...strings };
  const error = flow.error!;
  const paying = error.during === "confirming" || error.during === "redirecting";
  const message = [flow.online ? errorMessage(error, t) : t.offline, paying ? t.moneyUnknown : ""].join(" ");
  const wait = error.retryIn;
  const label = wait > 0 ? fill(t.retryIn, { seconds: String(wait) }) : t.retry;
  return view(
    t.errorTitle,
    message.trim(),
    html`${
      error.retryable
        ? html`<button part="button" ?disabled=${wait > 0} @click=${retry}>${label}</button>`
        : html`${
            flow.config?.state === "bookable"
              ? html`<button part="button" @click=${again}>${t.again}</button>`
              : nothing
          }<a part="link" href=${browseUrl}>${t.browse}</a>`
    }
    ${error.during === "calendar" ? openCalendlyLink(calendlyPage, watch, t) : nothing}`,
  );
}
