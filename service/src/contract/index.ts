// The API's one contract: every shape the service answers with, as zod schemas. Routes declare
// their responses with these, the OpenAPI document's components are generated from them, the
// domain builds its views to them, and the widget's types are generated from them
// (contract/typescript.ts).
import type { z } from "zod";
import { AttemptOutcomeSchema } from "./attempt.js";
import { AvailableTimesSchema } from "./availability.js";
import { BookingAttemptSchema, BookingCreatedSchema, PartnerBookingSchema, PublicBookingSchema } from "./booking.js";
import { BookingConfigSchema, PartnerBuilderSchema, PartnerSessionTypeSchema, SessionTypeSchema } from "./builder.js";
import { CalendlyConnectionSchema, CalendlyConnectStartedSchema } from "./calendly.js";
import { BookingFlowSchema, BookingStatusSchema, ErrorSchema, MoneySchema } from "./common.js";
import { CheckoutOptionsSchema, OnboardingLinkSchema, PayoutsSchema } from "./payouts.js";

export * from "./attempt.js";
export * from "./availability.js";
export * from "./booking.js";
export * from "./builder.js";
export * from "./calendly.js";
export * from "./common.js";
export * from "./payouts.js";

/** The named schemas, by the name they carry in the OpenAPI document's components. */
export const components = {
  Money: MoneySchema,
  Error: ErrorSchema,
  BookingStatus: BookingStatusSchema,
  BookingFlow: BookingFlowSchema,
  AvailableTimes: AvailableTimesSchema,
  SessionType: SessionTypeSchema,
  PartnerSessionType: PartnerSessionTypeSchema,
  BookingConfig: BookingConfigSchema,
  BookingAttempt: BookingAttemptSchema,
  BookingCreated: BookingCreatedSchema,
  AttemptOutcome: AttemptOutcomeSchema,
  Booking: PublicBookingSchema,
  PartnerBuilder: PartnerBuilderSchema,
  CalendlyConnection: CalendlyConnectionSchema,
  CalendlyConnectStarted: CalendlyConnectStartedSchema,
  PartnerBooking: PartnerBookingSchema,
  Payouts: PayoutsSchema,
  PayoutOnboardingLink: OnboardingLinkSchema,
  BuilderCheckoutOptions: CheckoutOptionsSchema,
} satisfies Record<string, z.ZodType>;
