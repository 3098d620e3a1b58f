// SPDX-License-Identifier: MIT

import type { enWatch } from "../calendly-watch.js";
import type { enError } from "../error-view.js";
import type { enAfterCheckout } from "./en-after-checkout.js";

/** English strings of everything up to checkout but the error messages (see `error-view.ts`). `{name}` is the builder's name. */
export const en = {
  open: "Book a session",
  close: "Close",
  loading: "Loading…",
  demoTitle: "Demo profile",
  demoText: "{name} is a demo profile and can't be booked.",
  browse: "Browse builders",
  unavailableTitle: "Not bookable right now",
  authTitle: "Sign in to book",
  authText: "Please sign in to book a session with {name}.",
  authExpiredText: "Your sign-in has expired. Please sign in again to book with {name}.",
  signIn: "Sign in",
  chooseTitle: "Choose a session",
  calendarTitle: "Pick a time with {name}",
  calendarLoading: "Loading the calendar…",
  calendarSlow: "This is taking longer than usual…",
  creating: "Time booked. Preparing payment…",
  confirming: "Confirming payment…",
  again: "Book another time",
  errorTitle: "Something went wrong",
  retry: "Retry",
  openCalendly: "Open in Calendly",
  offline: "You're offline. We'll continue when you're back online.",
  moneyUnknown:
    "We don't know yet if your payment went through. If it did, you're booked; if it came too late, it's refunded in full.",
};

/** The strings of everything up to checkout (always in the bundle). */
export type CoreStrings = typeof en;

/** Every string of the element (keys as in `en.ts`, `en-after-checkout.ts`, `calendly-watch.ts` and `error-view.ts`). */
export type Strings = CoreStrings & typeof enAfterCheckout & typeof enWatch & typeof enError;
