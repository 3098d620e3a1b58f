// What became of a booking attempt, as the widget reads it while the visitor books in Calendly's
// own page (GET /v1/booking-attempts/{attemptId}/outcome). It carries no personal data.
import { z } from "zod";
import { isoDateTime } from "./common.js";

export const AttemptOutcomeSchema = z
  .discriminatedUnion("status", [
    z.object({
      status: z.literal("waiting").describe("Nothing booked yet"),
      expiresAt: isoDateTime.describe("When the attempt stops being usable"),
    }),
    z.object({
      status: z.literal("booked"),
      eventUri: z.string().describe("Report both URIs with POST /v1/bookings to open Checkout"),
      inviteeUri: z.string(),
    }),
    z.object({ status: z.literal("expired").describe("The attempt ran out with nothing booked") }),
  ])
  .meta({ id: "AttemptOutcome" });

export type AttemptOutcome = z.output<typeof AttemptOutcomeSchema>;
