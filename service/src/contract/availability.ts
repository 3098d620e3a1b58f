// Pay first, then book: the times a builder can be booked at, the reservation that opens
// Checkout for one of them, and the rebooking of a paid booking whose slot was taken.
import { z } from "zod";
import { storable, text } from "../schemas/common.js";
import { isoDateTime } from "./common.js";

export const AvailableTimeSchema = z.object({
  startTime: isoDateTime,
  endTime: isoDateTime,
});

/** One of the event type's questions, asked before payment and sent to Calendly with the booking. */
export const BookingQuestionSchema = z.object({
  position: z.number().int().min(0).describe("Send the answer with this position"),
  name: z.string().describe("The question as the builder wrote it"),
  type: z
    .enum(["string", "text", "phone_number", "single_select", "multi_select"])
    .describe("string: one line; text: several lines; *_select: one (or several) of answerChoices"),
  required: z.boolean(),
  answerChoices: z.array(z.string()),
});

export const AvailableTimesSchema = z
  .object({
    builderId: z.guid(),
    sessionTypeId: z.guid(),
    durationMinutes: z.number().int().positive(),
    from: isoDateTime.describe("The window asked for (clamped to now)"),
    to: isoDateTime,
    times: z
      .array(AvailableTimeSchema)
      .describe("Bookable start times in the window, earliest first, without those our other visitors hold"),
    questions: z.array(BookingQuestionSchema).describe("Asked before payment; enabled questions only, in order"),
    refreshedAt: isoDateTime.describe("When these times were last read from Calendly (answers are cached briefly)"),
  })
  .meta({ id: "AvailableTimes" });

export const AvailableTimesQuerySchema = z
  .object({
    sessionTypeId: z.guid().optional().describe("Required when the builder offers several session types"),
    from: isoDateTime.optional().describe("Start of the window; default now"),
    to: isoDateTime.optional().describe("End of the window; default 7 days after from; at most 31 days after it"),
  })
  .strict();

const answer = z.object({
  position: z.number().int().min(0).max(100).describe("The question's position"),
  answer: text().max(2000),
});

export const InviteeInputSchema = z
  .object({
    name: text().trim().min(1).max(200),
    email: storable(z.email().max(320)),
    timezone: text()
      .max(64)
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat("en", { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, "must be an IANA time zone such as Europe/Berlin")
      .describe("The invitee's IANA time zone, for Calendly's e-mails"),
  })
  .strict();

/** POST /v1/reservations: hold a slot for this visitor and open Checkout. */
export const ReservationBodySchema = z
  .object({
    builder: text().trim().min(1).max(200).describe("The builder's id or slug"),
    sessionTypeId: z.guid().optional().describe("Required when the builder offers several session types"),
    startTime: isoDateTime.describe("One of the available times' startTime"),
    invitee: InviteeInputSchema,
    answers: z.array(answer).max(20).default([]).describe("Answers to the event type's questions"),
    customerToken: text().max(4096).optional().describe("Short-lived JWT from the host site, when it requires one"),
    returnUrl: storable(z.url().max(2000)).optional().describe("An allowlisted page checkout returns to"),
  })
  .strict();

/** POST /v1/bookings/{id}/rebook: pick another time for a paid booking whose slot was taken. */
export const RebookBodySchema = z.object({ startTime: isoDateTime }).strict();

export type AvailableTimes = z.output<typeof AvailableTimesSchema>;
export type BookingQuestion = z.output<typeof BookingQuestionSchema>;
export type ReservationBody = z.output<typeof ReservationBodySchema>;
