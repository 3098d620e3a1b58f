// SPDX-License-Identifier: MIT

import type { enWatch } from "../calendly-watch.js";
import type { enError } from "../error-view.js";
import type { enStart } from "../start-views.js";
import type { enAfterCheckout } from "./en-after-checkout.js";
import type { enPayFirst } from "./en-pay-first.js";

/**
 * English strings of everything up to checkout but the error messages (see `error-view.ts`) and the
 * views only some builders need (see `start-views.ts`). `{name}` is the builder's name.
 */
export const en = {
  open: "Book a session",
  close: "Close",
  loading: "Loading…",
  calendarTitle: "Pick a time with {name}",
  calendarLoading: "Loading the calendar…",
  calendarSlow: "This is taking longer than usual…",
  creating: "Time booked. Preparing payment…",
  confirming: "Confirming payment…",
  again: "Book another time",
  errorTitle: "Something went wrong",
  retry: "Retry",
  offline: "You're offline. We'll continue when you're back online.",
  moneyUnknown:
    "We don't know yet if your payment went through. If it did, you're booked; if it came too late, it's refunded in full.",
};

/** The strings of everything up to checkout (always in the bundle). */
export type CoreStrings = typeof en;

/** Every string of the element (keys as in `en.ts`, `en-after-checkout.ts`, `en-pay-first.ts`, `start-views.ts`, `calendly-watch.ts` and `error-view.ts`). */
export type Strings = CoreStrings &
  typeof enStart &
  typeof enAfterCheckout &
  typeof enPayFirst &
  typeof enWatch &
  typeof enError;
