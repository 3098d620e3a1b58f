// A booking as the API shows it: one model, and the views the widget and partners read, each a
// projection of it. What each field means is settled here (and in docs/PARTNER-API.md).
import { z } from "zod";
import { BuilderSummarySchema, exampleBuilder, SessionTypeSchema } from "./builder.js";
import { BookingFlowSchema, BookingStatusSchema, isoDateTime, MoneySchema, PaymentStatusSchema } from "./common.js";

export const BookingHistoryEntrySchema = z.object({
  from: BookingStatusSchema.nullable().describe("null for the booking's first status"),
  to: BookingStatusSchema,
  cause: z.string(),
  at: isoDateTime,
});

export const BookingPaymentSchema = z.object({
  id: z.guid(),
  status: PaymentStatusSchema,
  amount: z.number().int().min(0).describe("What this payment's checkout asks, in minor units of currency"),
  currency: z.string(),
  amountRefunded: z.number().int().min(0).describe("Refunded of it so far, in minor units"),
  checkoutSessionId: z.string().nullable(),
});

/** Every booking field any view shows. */
export const BookingModelSchema = z.object({
  id: z.guid(),
  status: BookingStatusSchema,
  builder: BuilderSummarySchema,
  sessionType: SessionTypeSchema.pick({ id: true, name: true, durationMinutes: true }),
  startTime: isoDateTime,
  endTime: isoDateTime,
  timezone: z.string().nullable().describe("The invitee's time zone as Calendly reported it"),
  inviteeName: z.string(),
  inviteeEmail: z.string(),
  price: MoneySchema.describe(
    "What this booking costs: the amount its checkout asks, fixed when the booking was made " +
      "(the session type's list price at that time; a later price change does not alter it)",
  ),
  amountPaid: MoneySchema.describe("Captured so far, in the booking's currency; amount 0 until paid"),
  amountRefunded: MoneySchema.describe(
    "Refunded so far, in the booking's currency; the builder keeps amountPaid − amountRefunded",
  ),
  flow: BookingFlowSchema.describe(
    "embedded: booked in Calendly, then paid; pay-first: paid, then booked by the service",
  ),
  holdExpiresAt: isoDateTime.nullable().describe("While PENDING_PAYMENT: when the unpaid slot is released"),
  rebookBy: isoDateTime
    .nullable()
    .describe(
      "While NEEDS_NEW_TIME (pay first: the slot was taken before it could be booked): until when another " +
        "time may be picked with the payment held; after it the payment is refunded in full",
    ),
  checkoutUrl: z.string().nullable().describe("While PENDING_PAYMENT: the open Stripe Checkout page"),
  createdAt: isoDateTime,
  history: z.array(BookingHistoryEntrySchema).describe("Status changes, oldest first"),
  payments: z.array(BookingPaymentSchema).describe("Checkout payments, oldest first"),
  sandbox: z.boolean().describe("Whether the booking was made against the offline sandbox"),
});

/** What the visitor's browser may read with the booking's capability token (confirmation page). */
export const PublicBookingSchema = BookingModelSchema.omit({
  inviteeEmail: true,
  createdAt: true,
  payments: true,
}).meta({
  id: "Booking",
});

const partnerBookingShape = BookingModelSchema.omit({ checkoutUrl: true, timezone: true, sandbox: true });

export const exampleBooking = {
  id: "2f4e6a8c-1b3d-4f5a-9c7e-0d2b4f6a8c1e",
  status: "CONFIRMED",
  builder: {
    id: exampleBuilder.id,
    slug: exampleBuilder.slug,
    name: exampleBuilder.name,
    headline: exampleBuilder.headline,
    avatarUrl: null,
  },
  sessionType: { id: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", name: "1:1 build session", durationMinutes: 60 },
  startTime: "2026-03-02T15:00:00.000Z",
  endTime: "2026-03-02T16:00:00.000Z",
  inviteeName: "Grace Hopper",
  inviteeEmail: "grace@example.com",
  price: { amount: 15000, currency: "usd" },
  amountPaid: { amount: 15000, currency: "usd" },
  amountRefunded: { amount: 0, currency: "usd" },
  flow: "embedded",
  holdExpiresAt: null,
  rebookBy: null,
  createdAt: "2026-02-20T10:04:11.532Z",
  history: [
    {
      from: null,
      to: "PENDING_PAYMENT",
      cause: "slot scheduled in Calendly; verified with Calendly's API",
      at: "2026-02-20T10:04:11.532Z",
    },
    { from: "PENDING_PAYMENT", to: "CONFIRMED", cause: "checkout.session.completed", at: "2026-02-20T10:06:40.118Z" },
  ],
  payments: [
    {
      id: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
      status: "PAID",
      amount: 15000,
      currency: "usd",
      amountRefunded: 0,
      checkoutSessionId: "cs_test_a1B2c3D4e5F6g7H8",
    },
  ],
} satisfies z.input<typeof partnerBookingShape>;

/** What a partner reads with `bookings:read`. */
export const PartnerBookingSchema = partnerBookingShape.meta({ id: "PartnerBooking", examples: [exampleBooking] });
/** The same shape inline, so the single-booking response carries its example in the document. */
export const PartnerBookingResponseSchema = partnerBookingShape.meta({ examples: [exampleBooking] });

export const PartnerBookingListSchema = z
  .object({
    data: z.array(PartnerBookingSchema),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
  })
  .meta({
    examples: [
      {
        data: [exampleBooking],
        nextCursor:
          "eyJjcmVhdGVkQXQiOiIyMDI2LTAyLTIwVDEwOjA0OjExLjUzMloiLCJpZCI6IjJmNGU2YThjLTFiM2QtNGY1YS05YzdlLTBkMmI0ZjZhOGMxZSJ9",
      },
    ],
  });

/** A started booking: the scheduling page carrying the attempt's id. */
export const BookingAttemptSchema = z
  .object({
    attemptId: z.string(),
    calendlyUrl: z.string().describe("Show this Calendly page to the customer; it carries the attempt id"),
    expiresAt: isoDateTime,
  })
  .meta({ id: "BookingAttempt" });

export const exampleAttempt = {
  attemptId: "att_Qm9va2luZ0F0dGVtcHQx",
  calendlyUrl: "https://calendly.com/liam-buildappswith/build-session?utm_content=att_Qm9va2luZ0F0dGVtcHQx",
  expiresAt: "2026-02-20T12:04:11.532Z",
} satisfies z.input<typeof BookingAttemptSchema>;

/** A booking made from a scheduled slot, and its checkout. */
export const BookingCreatedSchema = z
  .object({
    bookingId: z.guid(),
    bookingToken: z.string().describe("Lets the customer's browser read this booking; treat as a secret"),
    status: BookingStatusSchema,
    checkoutUrl: z.string().nullable().describe("Send the customer here to pay; null when nothing is due"),
    holdExpiresAt: isoDateTime.nullable().describe("When the unpaid slot is released; null when nothing is due"),
  })
  .meta({ id: "BookingCreated" });

export const exampleCreated = {
  bookingId: exampleBooking.id,
  bookingToken: "bt_3q2-7wEvTHanYVwmQ5m6Yq0bS4nS8d1x1c8HqkGgk7c",
  status: "PENDING_PAYMENT",
  checkoutUrl: "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8",
  holdExpiresAt: "2026-02-20T10:39:11.532Z",
} satisfies z.input<typeof BookingCreatedSchema>;

export type BookingModel = z.output<typeof BookingModelSchema>;
export type PublicBooking = z.output<typeof PublicBookingSchema>;
export type PartnerBooking = z.output<typeof PartnerBookingSchema>;
export type BookingAttempt = z.output<typeof BookingAttemptSchema>;
export type BookingCreated = z.output<typeof BookingCreatedSchema>;

/** The partner routes' answers inline, so each operation in the document shows its example. */
export const PartnerBookingAttemptResponseSchema = z
  .object(BookingAttemptSchema.shape)
  .meta({ examples: [exampleAttempt] });
export const PartnerBookingCreatedResponseSchema = z
  .object(BookingCreatedSchema.shape)
  .meta({ examples: [exampleCreated] });
