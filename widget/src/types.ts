// SPDX-License-Identifier: MIT

// The service's answers, as its contract declares them (generated; see src/generated/contract.ts).
export type {
  AvailableTimes,
  Booking,
  BookingAttempt,
  BookingConfig,
  BookingFlow,
  BookingStatus,
  Money,
  SessionType,
} from "./generated/contract.js";

import type { BookingCreated } from "./generated/contract.js";

/**
 * `POST /v1/bookings`, as the element takes it: with a checkout to open. A free session's answer
 * (no checkout, `checkoutUrl: null`) is refused as a malformed answer.
 */
export type CreatedBooking = BookingCreated & { checkoutUrl: string; holdExpiresAt: string };

/** Where to find a booking after Stripe sends the visitor back. */
export type BookingRef = { id: string; token: string } | { sessionId: string };

/** Every state the element can be in; reflected as the host's `state` attribute. */
export type BawState =
  | "loading"
  | "demo"
  | "unavailable"
  | "auth-required"
  | "choose-session-type"
  | "calendar"
  | "creating-checkout"
  | "redirecting"
  | "confirming"
  | "confirmed"
  | "payment-cancelled"
  | "hold-expired"
  | "payment-failed"
  /** Pay first: the element's own picker of times, the visitor's details, and the reservation that opens checkout. */
  | "pick-time"
  | "details"
  | "reserving"
  /** Pay first, paid: the service is booking the time in Calendly. */
  | "scheduling"
  /** Pay first, paid: the time was taken before it could be booked; pick another while the payment is held. */
  | "needs-new-time"
  | "rebooking"
  /** Pay first: nothing was booked, and the payment is (being) refunded in full. */
  | "refunded"
  | "error";

/** Custom answers and names for Calendly's prefill. */
export interface Prefill {
  firstName?: string;
  lastName?: string;
  /** Extra guests' e-mail addresses (joined with commas). */
  guests?: string[] | string;
  /** Month/day to open on, `YYYY-MM-DD`. */
  date?: string;
  a1?: string;
  a2?: string;
  a3?: string;
  a4?: string;
  a5?: string;
  a6?: string;
  a7?: string;
  a8?: string;
  a9?: string;
  a10?: string;
}

/** Milliseconds each waiting state may last before it turns into an error. */
export interface Timeouts {
  /** Fetching the booking config and creating the booking attempt. */
  config: number;
  /** From inserting the Calendly iframe to its first message. */
  ready: number;
  /** From inserting the Calendly iframe to saying it takes longer than usual. */
  slow: number;
  /** From the Calendly iframe's `load` to its first message (a page that loads but never talks is an error page). */
  afterLoad: number;
  /** Creating the booking and its Stripe Checkout session. */
  checkout: number;
  /** Polling the booking after returning from checkout. */
  confirm: number;
  /** Pay first: polling a paid booking while the service books it in Calendly (default 180000). */
  scheduling?: number;
}
