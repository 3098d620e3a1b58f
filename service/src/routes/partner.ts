// The partner API: server-to-server, authenticated with a secret key (`Authorization: Bearer
// baw_sk_…`) whose scopes each route checks. No CORS: browsers never call these routes.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  PartnerBookingAttemptResponseSchema,
  PartnerBookingCreatedResponseSchema,
  PartnerBookingListSchema,
  PartnerBookingResponseSchema,
  RebookBodySchema,
  ReservationBodySchema,
} from "../contract/index.js";
import { createAttempt } from "../domain/attempts.js";
import { createBooking } from "../domain/bookings.js";
import { domainContext } from "../domain/context.js";
import { getPartnerBooking, listPartnerBookings } from "../domain/partner-bookings.js";
import { rebookPaid } from "../domain/pay-first/rebook.js";
import { reserve } from "../domain/pay-first/reserve.js";
import { chooseReturnUrl } from "../domain/return-urls.js";
import { BookingStatus } from "../generated/prisma/client.js";
import partnerAuth, { authenticatePartner, partnerKeyOf } from "../plugins/partner-auth.js";
import { ErrorSchema, errorResponses, storable, text } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";
import partnerBuilders from "./partner-builders.js";
import partnerPayouts from "./partner-payouts.js";

export type { PartnerBooking, PartnerBuilder } from "../contract/index.js";

const security = [{ partnerKey: [] }];
const writeErrors = { 409: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema, 502: ErrorSchema };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = Object.values(BookingStatus) as [BookingStatus, ...BookingStatus[]];
const isoDateTime = z.iso.datetime({ offset: true });

// ---- schemas ------------------------------------------------------------------------------

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

const CreateBookingBodySchema = z
  .object({
    attemptId: text().min(1).max(100).describe("attemptId from POST /v1/partner/booking-attempts"),
    eventUri: storable(z.url().max(500)).describe("Calendly scheduled-event URI from calendly.event_scheduled"),
    inviteeUri: storable(z.url().max(500)).describe("Calendly invitee URI from calendly.event_scheduled"),
  })
  .strict();

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
    async (request) => listPartnerBookings(fastify.db.prisma, request.query, fastify.providers.isSandbox),
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
    async (request) => getPartnerBooking(fastify.db.prisma, request.params.id, fastify.providers.isSandbox),
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
        response: { 201: PartnerBookingAttemptResponseSchema, ...errorResponses, 409: ErrorSchema, 422: ErrorSchema },
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
          200: PartnerBookingCreatedResponseSchema,
          201: PartnerBookingCreatedResponseSchema,
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

  fastify.post(
    "/v1/partner/reservations",
    {
      onRequest: authenticatePartner("bookings:write"),
      schema: {
        tags: ["partner"],
        summary: "Pay first: reserve one of a builder's available times and open its checkout",
        description:
          "Requires the `bookings:write` scope. Pick `startTime` from GET /v1/partner/builders/{builder}/available-times. " +
          "The time is checked with Calendly and held until checkout expires; once paid, the service books it in " +
          "Calendly. 409 slot_unavailable: pick another time; 409 pay_first_unavailable: use a booking attempt.",
        security,
        body: ReservationBodySchema.omit({ customerToken: true }),
        response: { 201: PartnerBookingCreatedResponseSchema, ...errorResponses, ...writeErrors },
      },
    },
    async (request, reply) => {
      const key = partnerKeyOf(request);
      const { returnUrl, ...body } = request.body;
      const { created: _, ...result } = await reserve(domainContext(fastify, request.log), {
        ...body,
        siteId: null,
        returnUrl: chooseReturnUrl(returnUrl, key.returnUrlAllowlist),
      });
      return reply.code(201).send(result);
    },
  );

  fastify.post(
    "/v1/partner/bookings/:id/rebook",
    {
      onRequest: authenticatePartner("bookings:write"),
      schema: {
        tags: ["partner"],
        summary: "Pay first: pick another time for a paid booking whose time was taken (status NEEDS_NEW_TIME)",
        description:
          "Requires the `bookings:write` scope. Until the booking's `rebookBy`; then it is refunded in full.",
        security,
        params: z.object({ id: z.string().regex(UUID, "must be a booking id (UUID)") }),
        body: RebookBodySchema,
        response: { 200: PartnerBookingResponseSchema, ...errorResponses, ...writeErrors },
      },
    },
    async (request) => {
      const ctx = domainContext(fastify, request.log);
      await rebookPaid(ctx, request.params.id, request.body.startTime);
      return getPartnerBooking(ctx.prisma, request.params.id, fastify.providers.isSandbox);
    },
  );
};

export default partner;
