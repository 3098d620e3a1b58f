// SPDX-License-Identifier: MIT

/** Money in integer minor units (cents), with a lower-case ISO 4217 currency code. */
export interface Money {
  amount: number;
  currency: string;
}

export interface SessionType {
  id: string;
  name: string;
  durationMinutes: number;
  price: Money;
}

/** `GET /v1/builders/{builder}/booking-config` */
export interface BookingConfig {
  state: "bookable" | "demo" | "unavailable";
  reason?: string;
  builder: { id: string; slug: string; name: string; headline: string; avatarUrl: string | null };
  sessionTypes: SessionType[];
  calendly: { url: string; origin: string } | null;
  requiresCustomer: boolean;
  sandbox: boolean;
}

/** `POST /v1/booking-attempts` */
export interface BookingAttempt {
  attemptId: string;
  calendlyUrl: string;
  expiresAt: string;
}

/** `POST /v1/bookings` */
export interface CreatedBooking {
  bookingId: string;
  bookingToken: string;
  checkoutUrl: string;
  holdExpiresAt: string;
}

export type BookingStatus = "PENDING_PAYMENT" | "CONFIRMED" | "EXPIRED" | "FAILED" | "CANCELLED" | "REFUNDED";

/** `GET /v1/bookings/{id}` and `GET /v1/bookings/by-checkout-session/{sessionId}` */
export interface Booking {
  id: string;
  status: BookingStatus;
  builder: { name: string; slug: string; headline: string; avatarUrl: string | null };
  sessionType: { id: string; name: string; durationMinutes: number };
  startTime: string;
  endTime: string;
  inviteeName: string;
  price: Money;
  amountPaid: Money | null;
  holdExpiresAt: string | null;
  checkoutUrl: string | null;
  history: { from: string | null; to: string; cause: string; at: string }[];
  sandbox: boolean;
}

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
}
