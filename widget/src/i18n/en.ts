// SPDX-License-Identifier: MIT

import type { enWatch } from "../calendly-watch.js";
import type { enAfterCheckout } from "./en-after-checkout.js";

/** English strings of everything up to checkout. `{name}` is the builder's name. */
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
  retryIn: "Retry in {seconds} s",
  openCalendly: "Open in Calendly",
  network: "Can't reach the booking service.",
  timeout: "The booking service didn't answer in time.",
  ready_timeout: "The calendar didn't load.",
  confirm_timeout: "Confirming the payment is taking too long.",
  booking_cancelled: "This booking was cancelled.",
  unknown: "Unexpected error.",
  builder_not_found: "There is no such builder here.",
  calendar_unavailable: "The calendar can't be reached right now.",
  bad_answer: "The booking service sent an unreadable answer.",
  rate_limited: "Too many requests right now. Please wait a moment.",
  offline: "You're offline. We'll continue when you're back online.",
  moneyUnknown:
    "We don't know yet if your payment went through. If it did, you're booked; if it came too late, it's refunded in full.",
};

/** The strings of everything up to checkout (always in the bundle). */
export type CoreStrings = typeof en;

/** Every string of the element (keys as in `en.ts`, `en-after-checkout.ts` and `calendly-watch.ts`). */
export type Strings = CoreStrings & typeof enAfterCheckout & typeof enWatch;
