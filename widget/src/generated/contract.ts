// Generated from service/src/contract by `npm run contract:types -w service`: do not edit.
// service/test/contract.test.ts fails when this file and the contract differ.

export type Money = {
  /** Integer minor units of the currency (cents for usd) */
  amount: number;
  /** ISO 4217, lower case */
  currency: string;
};

export type BookingStatus = "PENDING_PAYMENT" | "SCHEDULING" | "NEEDS_NEW_TIME" | "CONFIRMED" | "EXPIRED" | "FAILED" | "CANCELLED" | "REFUNDED";
export const BookingStatusValues: readonly BookingStatus[] = ["PENDING_PAYMENT", "SCHEDULING", "NEEDS_NEW_TIME", "CONFIRMED", "EXPIRED", "FAILED", "CANCELLED", "REFUNDED"];

export type BookingFlow = "embedded" | "pay-first";
export const BookingFlowValues: readonly BookingFlow[] = ["embedded", "pay-first"];

export type SessionType = {
  /** The session type's id: sessionTypeId when starting a booking */
  id: string;
  name: string;
  durationMinutes: number;
  /** The session type's current list price; a booking's own price is fixed by its checkout */
  price: Money;
};

export type BookingConfig = {
  /** Whether the builder can be booked now */
  state: "bookable" | "demo" | "unavailable";
  /** Why the builder cannot be booked, when it cannot */
  reason?: string;
  /** A stable code for the reason, where one is defined: calendly_disconnected */
  reasonCode?: string;
  builder: {
    id: string;
    slug: string;
    name: string;
    headline: string;
    avatarUrl: string | null;
  };
  /** Active session types, in the builder's order */
  sessionTypes: SessionType[];
  /** The scheduling page to embed; null unless bookable */
  calendly: {
    url: string;
    origin: string;
  } | null;
  /** Whether this site requires a customer token to start a booking */
  requiresCustomer: boolean;
  /** Whether payments and calendars are the offline sandbox */
  sandbox: boolean;
  /** Which booking flow the element uses */
  flow: {
    /** The builder's own setting, which overrides the element's `flow` attribute; null: the site chooses */
    builderChoice: BookingFlow | null;
    /** Pay first, then book: the visitor picks a time in our picker and pays before it is booked */
    payFirst: {
      /** Whether pay-first can be offered now for this builder */
      available: boolean;
      /** Why not, when it cannot: the element then uses the embedded flow */
      reasonCode?: "not_bookable" | "builder_chose_embedded" | "no_event_type" | "scheduling_budget";
    };
  };
};

export type BookingAttempt = {
  attemptId: string;
  /** Show this Calendly page to the customer; it carries the attempt id */
  calendlyUrl: string;
  expiresAt: string;
};

export type BookingCreated = {
  bookingId: string;
  /** Lets the customer's browser read this booking; treat as a secret */
  bookingToken: string;
  status: BookingStatus;
  /** Send the customer here to pay; null when nothing is due */
  checkoutUrl: string | null;
  /** When the unpaid slot is released; null when nothing is due */
  holdExpiresAt: string | null;
};

export type Booking = {
  id: string;
  status: BookingStatus;
  builder: {
    id: string;
    slug: string;
    name: string;
    headline: string;
    avatarUrl: string | null;
  };
  sessionType: {
    /** The session type's id: sessionTypeId when starting a booking */
    id: string;
    name: string;
    durationMinutes: number;
  };
  startTime: string;
  endTime: string;
  /** The invitee's time zone as Calendly reported it */
  timezone: string | null;
  inviteeName: string;
  /** What this booking costs: the amount its checkout asks, fixed when the booking was made (the session type's list price at that time; a later price change does not alter it) */
  price: Money;
  /** Captured so far, in the booking's currency; amount 0 until paid */
  amountPaid: Money;
  /** Refunded so far, in the booking's currency; the builder keeps amountPaid − amountRefunded */
  amountRefunded: Money;
  /** embedded: booked in Calendly, then paid; pay-first: paid, then booked by the service */
  flow: BookingFlow;
  /** While PENDING_PAYMENT: when the unpaid slot is released */
  holdExpiresAt: string | null;
  /** While NEEDS_NEW_TIME (pay first: the slot was taken before it could be booked): until when another time may be picked with the payment held; after it the payment is refunded in full */
  rebookBy: string | null;
  /** While PENDING_PAYMENT: the open Stripe Checkout page */
  checkoutUrl: string | null;
  /** Status changes, oldest first */
  history: Array<{
    /** null for the booking's first status */
    from: BookingStatus | null;
    to: BookingStatus;
    cause: string;
    at: string;
  }>;
  /** Whether the booking was made against the offline sandbox */
  sandbox: boolean;
};

export type AttemptOutcome = {
  /** Nothing booked yet */
  status: "waiting";
  /** When the attempt stops being usable */
  expiresAt: string;
} | {
  status: "booked";
  /** Report both URIs with POST /v1/bookings to open Checkout */
  eventUri: string;
  inviteeUri: string;
} | {
  /** The attempt ran out with nothing booked */
  status: "expired";
};

export type AvailableTimes = {
  builderId: string;
  sessionTypeId: string;
  durationMinutes: number;
  /** The window asked for (clamped to now) */
  from: string;
  to: string;
  /** Bookable start times in the window, earliest first, without those our other visitors hold */
  times: {
    startTime: string;
    endTime: string;
  }[];
  /** Asked before payment; enabled questions only, in order */
  questions: Array<{
    /** Send the answer with this position */
    position: number;
    /** The question as the builder wrote it */
    name: string;
    /** string: one line; text: several lines; *_select: one (or several) of answerChoices */
    type: "string" | "text" | "phone_number" | "single_select" | "multi_select";
    required: boolean;
    answerChoices: string[];
  }>;
  /** When these times were last read from Calendly (answers are cached briefly) */
  refreshedAt: string;
};
