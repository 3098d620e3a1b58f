// The values every view shares: money, statuses, times and the error body.
import { z } from "zod";

/** Timestamps are ISO 8601 in UTC, as `Date.prototype.toISOString` writes them. */
export const isoDateTime = z.iso.datetime({ offset: true });

export const BOOKING_STATUSES = [
  "PENDING_PAYMENT",
  "SCHEDULING",
  "NEEDS_NEW_TIME",
  "CONFIRMED",
  "EXPIRED",
  "FAILED",
  "CANCELLED",
  "REFUNDED",
] as const;

/** How a booking is made: in Calendly's page before paying, or in our picker, paid, then booked. */
export const BOOKING_FLOWS = ["embedded", "pay-first"] as const;
export const BookingFlowSchema = z.enum(BOOKING_FLOWS).meta({ id: "BookingFlow" });
export type BookingFlow = z.output<typeof BookingFlowSchema>;
export const PAYMENT_STATUSES = [
  "OPEN",
  "PAID",
  "UNPAID",
  "EXPIRED",
  "FAILED",
  "REFUNDED",
  "PARTIALLY_REFUNDED",
] as const;

export const BookingStatusSchema = z.enum(BOOKING_STATUSES).meta({ id: "BookingStatus" });
export const PaymentStatusSchema = z.enum(PAYMENT_STATUSES);

export const MoneySchema = z
  .object({
    amount: z.number().int().min(0).describe("Integer minor units of the currency (cents for usd)"),
    currency: z
      .string()
      .regex(/^[a-z]{3}$/, "must be a lower-case ISO 4217 code")
      .describe("ISO 4217, lower case"),
  })
  .meta({ id: "Money" });

export const ErrorSchema = z
  .object({
    statusCode: z.number().int(),
    error: z.string().describe("Stable machine-readable code"),
    message: z.string().describe("What went wrong, naming the field"),
    field: z.string().optional(),
    retryable: z.boolean().optional(),
    requestId: z.string().optional(),
  })
  .meta({ id: "Error" });

export type Money = z.output<typeof MoneySchema>;
export type BookingStatus = z.output<typeof BookingStatusSchema>;
export type PaymentStatus = z.output<typeof PaymentStatusSchema>;
export type ErrorBody = z.output<typeof ErrorSchema>;
