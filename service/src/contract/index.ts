// The API's one contract: every shape the service answers with, as zod schemas. Routes declare
// their responses with these, the OpenAPI document's components are generated from them, the
// domain builds its views to them, and the widget's types are generated from them
// (contract/typescript.ts).
import type { z } from "zod";
import { AttemptOutcomeSchema } from "./attempt.js";
import { BookingAttemptSchema, BookingCreatedSchema, PartnerBookingSchema, PublicBookingSchema } from "./booking.js";
import { BookingConfigSchema, PartnerBuilderSchema, PartnerSessionTypeSchema, SessionTypeSchema } from "./builder.js";
import { BookingStatusSchema, ErrorSchema, MoneySchema } from "./common.js";

export * from "./attempt.js";
export * from "./booking.js";
export * from "./builder.js";
export * from "./common.js";

/** The named schemas, by the name they carry in the OpenAPI document's components. */
export const components = {
  Money: MoneySchema,
  Error: ErrorSchema,
  BookingStatus: BookingStatusSchema,
  SessionType: SessionTypeSchema,
  PartnerSessionType: PartnerSessionTypeSchema,
  BookingConfig: BookingConfigSchema,
  BookingAttempt: BookingAttemptSchema,
  BookingCreated: BookingCreatedSchema,
  AttemptOutcome: AttemptOutcomeSchema,
  Booking: PublicBookingSchema,
  PartnerBuilder: PartnerBuilderSchema,
  PartnerBooking: PartnerBookingSchema,
} satisfies Record<string, z.ZodType>;
