// What a builder and a session type may be created or changed with. The partner API and the
// admin CLI validate with these same schemas, so both refuse the same input with the same words.
import { z } from "zod";
import { storable, text } from "../../schemas/common.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

import { BookingFlowSchema, REFUND_POLICIES } from "../../contract/index.js";

export { REFUND_POLICIES };

export const SlugSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lower-case letters, digits and single hyphens, e.g. ada-lovelace")
  .max(64)
  // A builder is addressed by id or slug; a slug shaped like an id could never be reached.
  .refine((s) => !UUID.test(s), "must not look like a UUID")
  .describe("URL name, unique, e.g. ada-lovelace");

const HttpUrlSchema = storable(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2000)).refine(
  (u) => {
    const url = new URL(u);
    return !url.username && !url.password;
  },
  "must not carry credentials",
);

/** Stripe's currencies are ISO 4217 codes, lower case. */
export const CurrencySchema = z
  .string()
  .toLowerCase()
  .refine(
    (c) => /^[a-z]{3}$/.test(c) && Intl.supportedValuesOf("currency").includes(c.toUpperCase()),
    "must be an ISO 4217 currency code, e.g. usd",
  )
  .describe("ISO 4217, e.g. usd");

export const PriceSchema = z
  .object({
    amount: z
      .number()
      .int("must be whole minor units (cents)")
      .min(0, "must not be negative (0: a free session)")
      .max(99_999_999, "must be at most 99999999 (Stripe's limit)")
      .describe("Integer minor units (cents)"),
    currency: CurrencySchema,
  })
  .strict();

const builderFields = {
  name: text().trim().min(1, "must not be empty").max(200),
  headline: text().trim().max(300),
  bio: text().max(5000),
  avatarUrl: HttpUrlSchema.nullable(),
  contactEmail: storable(z.email().max(320)).nullable(),
  calendlyEventUrl: HttpUrlSchema.nullable().describe(
    "The builder's Calendly event page, e.g. https://calendly.com/<user>/<event>; null disconnects it",
  ),
  refundPolicy: z.enum(REFUND_POLICIES).describe("FULL: always refund; NONE: never; CUTOFF: until refundCutoffHours"),
  refundCutoffHours: z
    .number()
    .int()
    .min(0)
    .max(8760)
    .nullable()
    .describe("With CUTOFF: cancellations this many hours or more before the start are refunded (default 24)"),
  active: z.boolean().describe("false: listed, but not taking bookings"),
  bookingFlow: BookingFlowSchema.nullable().describe(
    "embedded: visitors book in Calendly's page, then pay; pay-first: they pick a time in the element and pay, " +
      "then the service books it; null: each embedding site chooses (the element's flow attribute)",
  ),
};

export const BuilderCreateSchema = z
  .object({
    slug: SlugSchema,
    name: builderFields.name,
    headline: builderFields.headline.default(""),
    bio: builderFields.bio.default(""),
    avatarUrl: builderFields.avatarUrl.default(null),
    contactEmail: builderFields.contactEmail.default(null),
    calendlyEventUrl: builderFields.calendlyEventUrl.default(null),
    refundPolicy: builderFields.refundPolicy.default("FULL"),
    refundCutoffHours: builderFields.refundCutoffHours.default(null),
    active: builderFields.active.default(true),
    bookingFlow: builderFields.bookingFlow.default(null),
  })
  .strict();

export const BuilderUpdateSchema = z
  .object({
    slug: SlugSchema.optional(),
    name: builderFields.name.optional(),
    headline: builderFields.headline.optional(),
    bio: builderFields.bio.optional(),
    avatarUrl: builderFields.avatarUrl.optional(),
    contactEmail: builderFields.contactEmail.optional(),
    calendlyEventUrl: builderFields.calendlyEventUrl.optional(),
    refundPolicy: builderFields.refundPolicy.optional(),
    refundCutoffHours: builderFields.refundCutoffHours.optional(),
    active: builderFields.active.optional(),
    bookingFlow: builderFields.bookingFlow.optional(),
  })
  .strict();

const sessionTypeFields = {
  name: text().trim().min(1, "must not be empty").max(200),
  durationMinutes: z.number().int().min(5).max(1440),
  price: PriceSchema,
  active: z.boolean().describe("false: no longer offered; bookings already made keep it"),
};

export const SessionTypeCreateSchema = z
  .object({
    ...sessionTypeFields,
    name: sessionTypeFields.name.optional().describe("Default: the Calendly event type's name"),
    durationMinutes: sessionTypeFields.durationMinutes
      .optional()
      .describe("Default: the Calendly event type's duration"),
    calendlyEventTypeUri: storable(
      z.url({ protocol: /^https?$/, error: "must be a Calendly event type URI" }).max(2000),
    )
      .optional()
      .describe(
        "One of the builder's Calendly event types (GET /v1/partner/builders/{id} lists them): the session is " +
          "booked on its scheduling page. Without it, the builder's calendlyEventUrl is used.",
      ),
    active: sessionTypeFields.active.default(true),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.calendlyEventTypeUri) return;
    for (const field of ["name", "durationMinutes"] as const) {
      if (input[field] === undefined) {
        ctx.addIssue({ code: "custom", path: [field], message: "is required without calendlyEventTypeUri" });
      }
    }
  });

export const SessionTypeUpdateSchema = z
  .object({
    name: sessionTypeFields.name.optional(),
    durationMinutes: sessionTypeFields.durationMinutes.optional(),
    price: PriceSchema.optional(),
    active: sessionTypeFields.active.optional(),
  })
  .strict();

export type BuilderCreate = z.infer<typeof BuilderCreateSchema>;
export type BuilderUpdate = z.infer<typeof BuilderUpdateSchema>;
export type SessionTypeCreate = z.infer<typeof SessionTypeCreateSchema>;
export type SessionTypeUpdate = z.infer<typeof SessionTypeUpdateSchema>;
