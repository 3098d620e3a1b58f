// A builder as the API shows it: the model, and its two views (the widget's booking config and
// the partner's listing).
import { z } from "zod";
import { MoneySchema } from "./common.js";

export const BOOKING_STATES = ["bookable", "demo", "unavailable"] as const;

export const SessionTypeSchema = z
  .object({
    id: z.guid().describe("The session type's id: sessionTypeId when starting a booking"),
    name: z.string(),
    durationMinutes: z.number().int().positive(),
    price: MoneySchema.describe("The session type's current list price"),
  })
  .meta({ id: "SessionType" });

/** Every builder field any view shows; each view below picks from it. */
export const BuilderModelSchema = z.object({
  id: z.guid(),
  slug: z.string(),
  name: z.string(),
  headline: z.string(),
  avatarUrl: z.string().nullable(),
  isDemo: z.boolean(),
  state: z.enum(BOOKING_STATES).describe("Whether the builder can be booked now"),
  reason: z.string().optional().describe("Why the builder cannot be booked, when it cannot"),
  sessionTypes: z.array(SessionTypeSchema).describe("Active session types, in the builder's order"),
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
    builder: BuilderSummarySchema,
    sessionTypes: BuilderModelSchema.shape.sessionTypes,
    calendly: z
      .object({ url: z.string(), origin: z.string() })
      .nullable()
      .describe("The scheduling page to embed; null unless bookable"),
    requiresCustomer: z.boolean().describe("Whether this site requires a customer token to start a booking"),
    sandbox: z.boolean().describe("Whether payments and calendars are the offline sandbox"),
  })
  .meta({ id: "BookingConfig" });

export const exampleBuilder = {
  id: "0b8f6c1e-4d2a-4f8e-9c3b-5a7d1e2f3a4b",
  slug: "liam",
  name: "Liam",
  headline: "Founder of Build Apps With — ship your first AI-powered app",
  avatarUrl: null,
  isDemo: false,
  state: "bookable",
  sessionTypes: [
    {
      id: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      name: "1:1 build session",
      durationMinutes: 60,
      price: { amount: 15000, currency: "usd" },
    },
  ],
} satisfies z.input<typeof BuilderModelSchema>;

export const PartnerBuilderSchema = BuilderModelSchema.meta({ id: "PartnerBuilder", examples: [exampleBuilder] });

export const PartnerBuilderListSchema = z
  .object({ data: z.array(PartnerBuilderSchema) })
  .meta({ examples: [{ data: [exampleBuilder] }] });

export type SessionType = z.output<typeof SessionTypeSchema>;
export type BuilderModel = z.output<typeof BuilderModelSchema>;
export type BuilderSummary = z.output<typeof BuilderSummarySchema>;
export type BookingConfig = z.output<typeof BookingConfigSchema>;
export type PartnerBuilder = z.output<typeof PartnerBuilderSchema>;
