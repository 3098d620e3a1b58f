// What a builder and a session type may be created or changed with. The partner API and the
// admin CLI validate with these same schemas, so both refuse the same input with the same words.
import { z } from "zod";
import { storable, text } from "../../schemas/common.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

import { REFUND_POLICIES } from "../../contract/index.js";

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
  })
  .strict();

const sessionTypeFields = {
  name: text().trim().min(1, "must not be empty").max(200),
  durationMinutes: z.number().int().min(5).max(1440),
  price: PriceSchema,
  active: z.boolean().describe("false: no longer offered; bookings already made keep it"),
};

export const SessionTypeCreateSchema = z
  .object({ ...sessionTypeFields, active: sessionTypeFields.active.default(true) })
  .strict();

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
