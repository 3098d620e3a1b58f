// A builder as the API shows it: the model, and its two views (the widget's booking config and
// the partner's listing).
import { z } from "zod";
import { CalendlyConnectionSchema } from "./calendly.js";
import { BookingFlowSchema, MoneySchema } from "./common.js";
import { PayoutsSchema } from "./payouts.js";

export const BOOKING_STATES = ["bookable", "demo", "unavailable"] as const;

export const REFUND_POLICIES = ["FULL", "NONE", "CUTOFF"] as const;

/** A session type with everything a partner manages about it. */
export const PartnerSessionTypeSchema = z
  .object({
    id: z.guid().describe("The session type's id: sessionTypeId when starting a booking"),
    name: z.string(),
    durationMinutes: z.number().int().positive(),
    price: MoneySchema.describe(
      "The session type's current list price; a booking's own price is fixed by its checkout",
    ),
    active: z.boolean().describe("false: no longer offered"),
    calendlyEventTypeUri: z
      .string()
      .nullable()
      .optional()
      .describe("The builder's Calendly event type it is booked through (null: the builder's calendlyEventUrl)"),
  })
  .meta({ id: "PartnerSessionType" });

/** A session type as a visitor is offered it: active ones only, so without `active`. */
export const SessionTypeSchema = PartnerSessionTypeSchema.omit({ active: true, calendlyEventTypeUri: true }).meta({
  id: "SessionType",
});

/** Every builder field any view shows; each view below picks from it. */
export const BuilderModelSchema = z.object({
  id: z.guid(),
  slug: z.string(),
  name: z.string(),
  headline: z.string(),
  bio: z.string(),
  avatarUrl: z.string().nullable(),
  contactEmail: z.string().nullable(),
  isDemo: z.boolean(),
  active: z.boolean().describe("false: deactivated, not taking bookings"),
  calendlyEventUrl: z.string().nullable().describe("The Calendly event type visitors book"),
  bookingFlow: BookingFlowSchema.nullable().describe(
    "The booking flow the builder chose, overriding the embedding site's `flow`; null: the site chooses",
  ),
  refundPolicy: z.enum(REFUND_POLICIES),
  refundCutoffHours: z
    .number()
    .int()
    .nullable()
    .describe("With CUTOFF: hours before the start after which nothing is refunded"),
  state: z.enum(BOOKING_STATES).describe("Whether the builder can be booked now"),
  reason: z.string().optional().describe("Why the builder cannot be booked, when it cannot"),
  reasonCode: z
    .string()
    .optional()
    .describe("A stable code for the reason, where one is defined: calendly_disconnected"),
  sessionTypes: z
    .array(PartnerSessionTypeSchema)
    .describe("Every session type, inactive ones included, in the builder's order"),
  calendly: CalendlyConnectionSchema.optional().describe(
    "The builder's Calendly connection and event types (GET /v1/partner/builders/{id} only)",
  ),
  payouts: PayoutsSchema.optional().describe("How the builder is paid; in connect mode, bookable only while enabled"),
});

/** The builder as a booking shows it. */
export const BuilderSummarySchema = BuilderModelSchema.pick({
  id: true,
  slug: true,
  name: true,
  headline: true,
  avatarUrl: true,
});

export const BookingConfigSchema = z
  .object({
    state: BuilderModelSchema.shape.state,
    reason: BuilderModelSchema.shape.reason,
    reasonCode: BuilderModelSchema.shape.reasonCode,
    builder: BuilderSummarySchema,
    sessionTypes: z.array(SessionTypeSchema).describe("Active session types, in the builder's order"),
    calendly: z
      .object({ url: z.string(), origin: z.string() })
      .nullable()
      .describe("The scheduling page to embed; null unless bookable"),
    requiresCustomer: z.boolean().describe("Whether this site requires a customer token to start a booking"),
    sandbox: z.boolean().describe("Whether payments and calendars are the offline sandbox"),
    flow: z
      .object({
        builderChoice: BookingFlowSchema.nullable().describe(
          "The builder's own setting, which overrides the element's `flow` attribute; null: the site chooses",
        ),
        payFirst: z
          .object({
            available: z.boolean().describe("Whether pay-first can be offered now for this builder"),
            reasonCode: z
              .enum(["not_bookable", "builder_chose_embedded", "no_event_type", "scheduling_budget"])
              .optional()
              .describe("Why not, when it cannot: the element then uses the embedded flow"),
          })
          .describe("Pay first, then book: the visitor picks a time in our picker and pays before it is booked"),
      })
      .describe("Which booking flow the element uses"),
  })
  .meta({ id: "BookingConfig" });

export const exampleBuilder = {
  id: "0b8f6c1e-4d2a-4f8e-9c3b-5a7d1e2f3a4b",
  slug: "ada-lovelace",
  name: "Ada Lovelace",
  headline: "Analytical engines and the programs that drive them",
  bio: "Ada pairs with you on the first program for your engine.",
  avatarUrl: null,
  contactEmail: "ada@example.com",
  isDemo: false,
  active: true,
  calendlyEventUrl: "https://calendly.com/ada-lovelace/architecture-review",
  bookingFlow: null,
  refundPolicy: "CUTOFF",
  refundCutoffHours: 24,
  state: "bookable",
  sessionTypes: [
    {
      id: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      name: "Architecture review",
      durationMinutes: 60,
      price: { amount: 15000, currency: "usd" },
      active: true,
      calendlyEventTypeUri: "https://api.calendly.com/event_types/BBBBBBBBBBBBBBBB",
    },
  ],
} satisfies z.input<typeof BuilderModelSchema>;

/** What a partner reads and writes (`builders:read`, `builders:write`): the whole model. */
export const PartnerBuilderSchema = BuilderModelSchema.meta({ id: "PartnerBuilder", examples: [exampleBuilder] });
/** The same shape inline, so a single-builder response carries its example in the document. */
export const PartnerBuilderResponseSchema = z.object(BuilderModelSchema.shape).meta({ examples: [exampleBuilder] });
export const PartnerSessionTypeResponseSchema = z
  .object(PartnerSessionTypeSchema.shape)
  .meta({ examples: [exampleBuilder.sessionTypes[0]] });

export const PartnerBuilderListSchema = z
  .object({ data: z.array(PartnerBuilderSchema) })
  .meta({ examples: [{ data: [exampleBuilder] }] });

export type SessionType = z.output<typeof SessionTypeSchema>;
export type PartnerSessionType = z.output<typeof PartnerSessionTypeSchema>;
export type BuilderModel = z.output<typeof BuilderModelSchema>;
export type BuilderSummary = z.output<typeof BuilderSummarySchema>;
export type BookingConfig = z.output<typeof BookingConfigSchema>;
export type PartnerBuilder = z.output<typeof PartnerBuilderSchema>;
