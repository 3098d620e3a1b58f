// The partner API: server-to-server, authenticated with a secret key (`Authorization: Bearer
// baw_sk_…`) whose scopes each route checks. No CORS: browsers never call these routes.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createAttempt } from "../domain/attempts.js";
import { createBooking } from "../domain/bookings.js";
import { domainContext } from "../domain/context.js";
import { getPartnerBooking, listPartnerBookings } from "../domain/partner-bookings.js";
import { chooseReturnUrl } from "../domain/return-urls.js";
import { BookingStatus } from "../generated/prisma/client.js";
import partnerAuth, { authenticatePartner, partnerKeyOf } from "../plugins/partner-auth.js";
import { ErrorSchema, errorResponses, MoneySchema, storable, text } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";
import partnerBuilders from "./partner-builders.js";
import partnerPayouts from "./partner-payouts.js";

export type { PartnerBooking } from "../domain/partner-bookings.js";
export type { PartnerBuilder } from "./partner-builders.js";

const security = [{ partnerKey: [] }];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = Object.values(BookingStatus) as [BookingStatus, ...BookingStatus[]];
const isoDateTime = z.iso.datetime({ offset: true });

// ---- examples shared by the schemas -------------------------------------------------------

const exampleBooking = {
  id: "2f4e6a8c-1b3d-4f5a-9c7e-0d2b4f6a8c1e",
  status: "CONFIRMED",
  builder: { id: "0b8f6c1e-4d2a-4f8e-9c3b-5a7d1e2f3a4b", slug: "ada-lovelace", name: "Ada Lovelace" },
  sessionType: { id: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", name: "1:1 build session", durationMinutes: 60 },
  startTime: "2026-03-02T15:00:00.000Z",
  endTime: "2026-03-02T16:00:00.000Z",
  inviteeName: "Grace Hopper",
  inviteeEmail: "grace@example.com",
  price: { amount: 15000, currency: "usd" },
  amountPaid: 15000,
  holdExpiresAt: null,
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
};

// ---- schemas ------------------------------------------------------------------------------

const PartnerBookingObject = z.object({
  id: z.string(),
  status: z.enum(STATUSES),
  builder: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  sessionType: z.object({ id: z.string(), name: z.string(), durationMinutes: z.number().int() }),
  startTime: isoDateTime,
  endTime: isoDateTime,
  inviteeName: z.string(),
  inviteeEmail: z.string(),
  price: MoneySchema.describe("What the session costs (the amount charged at checkout)"),
  amountPaid: z.number().int().describe("Captured so far, in minor units; refunds are in payments[].amountRefunded"),
  holdExpiresAt: isoDateTime.nullable().describe("While PENDING_PAYMENT: when the unpaid slot is released"),
  createdAt: isoDateTime,
  history: z.array(
    z.object({ from: z.enum(STATUSES).nullable(), to: z.enum(STATUSES), cause: z.string(), at: isoDateTime }),
  ),
  payments: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      amount: z.number().int(),
      currency: z.string(),
      amountRefunded: z.number().int(),
      checkoutSessionId: z.string().nullable(),
    }),
  ),
});

export const PartnerBookingSchema = PartnerBookingObject.meta({ id: "PartnerBooking", examples: [exampleBooking] });
/** The same shape inline, so the single-booking response carries its example in the document. */
const PartnerBookingResponseSchema = PartnerBookingObject.meta({ examples: [exampleBooking] });

const PartnerBookingListSchema = z
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

const AttemptBodySchema = z
  .object({
    builder: BuilderRefSchema,
    sessionTypeId: z.string().regex(UUID, "must be a session type id (UUID)").optional(),
    returnUrl: storable(z.url().max(2000)).describe(
      "Page checkout returns to; must be on this key's return-URL allowlist",
    ),
    customer: z
      .object({
        id: text().min(1).max(200).describe("Your id for the customer"),
        email: storable(z.email().max(320)).optional(),
        name: text().min(1).max(200).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const AttemptCreatedSchema = z
  .object({
    attemptId: z.string(),
    calendlyUrl: z.string().describe("Show this Calendly page to the customer; it carries the attempt id"),
    expiresAt: isoDateTime,
  })
  .meta({
    examples: [
      {
        attemptId: "att_Qm9va2luZ0F0dGVtcHQx",
        calendlyUrl: "https://calendly.com/ada-lovelace/architecture-review?utm_content=att_Qm9va2luZ0F0dGVtcHQx",
        expiresAt: "2026-02-20T12:04:11.532Z",
      },
    ],
  });

const CreateBookingBodySchema = z
  .object({
    attemptId: text().min(1).max(100).describe("attemptId from POST /v1/partner/booking-attempts"),
    eventUri: storable(z.url().max(500)).describe("Calendly scheduled-event URI from calendly.event_scheduled"),
    inviteeUri: storable(z.url().max(500)).describe("Calendly invitee URI from calendly.event_scheduled"),
  })
  .strict();

const BookingCreatedSchema = z
  .object({
    bookingId: z.string(),
    bookingToken: z.string().describe("Lets the customer's browser read this booking; treat as a secret"),
    status: z.enum(STATUSES),
    checkoutUrl: z.string().nullable().describe("Send the customer here to pay; null when nothing is due"),
    holdExpiresAt: isoDateTime.nullable(),
  })
  .meta({
    examples: [
      {
        bookingId: exampleBooking.id,
        bookingToken: "bt_3q2-7wEvTHanYVwmQ5m6Yq0bS4nS8d1x1c8HqkGgk7c",
        status: "PENDING_PAYMENT",
        checkoutUrl: "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8",
        holdExpiresAt: "2026-02-20T10:39:11.532Z",
      },
    ],
  });

const ListQuerySchema = z
  .object({
    builder: BuilderRefSchema.optional(),
    status: z
      .string()
      .optional()
      .describe(`One status or a comma-separated list: ${STATUSES.join(", ")}`)
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const parts = v
          .split(",")
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean);
        const bad = parts.find((p) => !(STATUSES as string[]).includes(p));
        if (bad !== undefined || parts.length === 0) {
          ctx.addIssue({
            code: "custom",
            message: `must be one or more of ${STATUSES.join(", ")}${bad ? ` (got "${bad}")` : ""}`,
          });
          return z.NEVER;
        }
        return [...new Set(parts)] as BookingStatus[];
      }),
    from: isoDateTime.optional().describe("Only bookings starting at or after this time"),
    to: isoDateTime.optional().describe("Only bookings starting before this time"),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: text().max(500).optional().describe("nextCursor of the previous page"),
  })
  .strict();

// ---- routes -------------------------------------------------------------------------------

const partner: FastifyPluginAsyncZod = async (fastify) => {
  await fastify.register(partnerAuth);

  await fastify.register(partnerBuilders);
  await fastify.register(partnerPayouts);

  fastify.get(
    "/v1/partner/bookings",
    {
      onRequest: authenticatePartner("bookings:read"),
      schema: {
        tags: ["partner"],
        summary: "Bookings, newest first, with keyset pagination",
        description:
          "Requires the `bookings:read` scope. Ordered by creation time, newest first. Pass `nextCursor` " +
          "as `cursor` to get the next page; pages never repeat or skip a booking.",
        security,
        querystring: ListQuerySchema,
        response: { 200: PartnerBookingListSchema, ...errorResponses },
      },
    },
    async (request) => listPartnerBookings(fastify.db.prisma, request.query),
  );

  fastify.get(
    "/v1/partner/bookings/:id",
    {
      onRequest: authenticatePartner("bookings:read"),
      schema: {
        tags: ["partner"],
        summary: "One booking with its status history and payments",
        description: "Requires the `bookings:read` scope.",
        security,
        params: z.object({ id: z.string().regex(UUID, "must be a booking id (UUID)").describe("Booking id") }),
        response: { 200: PartnerBookingResponseSchema, ...errorResponses, 404: ErrorSchema },
      },
    },
    async (request) => getPartnerBooking(fastify.db.prisma, request.params.id),
  );

  fastify.post(
    "/v1/partner/booking-attempts",
    {
      onRequest: authenticatePartner("bookings:write"),
      schema: {
        tags: ["partner"],
        summary: "Start a booking: get the Calendly page to show the customer",
        description:
          "Requires the `bookings:write` scope. `returnUrl` must be on the key's return-URL allowlist. " +
          "Show `calendlyUrl` to the customer; when they schedule, call POST /v1/partner/bookings.",
        security,
        body: AttemptBodySchema,
        response: { 201: AttemptCreatedSchema, ...errorResponses, 409: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (request, reply) => {
      const key = partnerKeyOf(request);
      const body = request.body;
      const returnUrl = chooseReturnUrl(body.returnUrl, key.returnUrlAllowlist);
      const created = await createAttempt(domainContext(fastify, request.log), {
        builder: body.builder,
        sessionTypeId: body.sessionTypeId,
        customer: body.customer,
        partnerKeyId: key.id,
        returnUrl,
      });
      return reply.code(201).send(created);
    },
  );

  fastify.post(
    "/v1/partner/bookings",
    {
      onRequest: authenticatePartner("bookings:write"),
      schema: {
        tags: ["partner"],
        summary: "Create the booking for a scheduled slot and open its checkout",
        description:
          "Requires the `bookings:write` scope. The slot is verified with Calendly's API and must carry one of " +
          "your attempt ids. Answers 201 when the booking is created and 200 when it already existed (safe to retry).",
        security,
        body: CreateBookingBodySchema,
        response: {
          200: BookingCreatedSchema,
          201: BookingCreatedSchema,
          ...errorResponses,
          409: ErrorSchema,
          422: ErrorSchema,
          502: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const key = partnerKeyOf(request);
      const result = await createBooking(domainContext(fastify, request.log), {
        attemptId: request.body.attemptId,
        eventUri: request.body.eventUri,
        inviteeUri: request.body.inviteeUri,
        caller: { partnerKeyId: key.id },
      });
      const { created, ...body } = result;
      return reply.code(created ? 201 : 200).send(body);
    },
  );
};

export default partner;
