// Public booking routes used by the widget: attempts, verified bookings, confirmation reads.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createAttempt } from "../domain/attempts.js";
import { isBookingToken } from "../domain/booking-token.js";
import { type BookingWithDetails, loadBooking, refreshFromStripe, toView } from "../domain/booking-view.js";
import { createBooking } from "../domain/bookings.js";
import { domainContext } from "../domain/context.js";
import { verifyCustomerToken } from "../domain/customer-token.js";
import { chooseReturnUrl } from "../domain/return-urls.js";
import { notFound } from "../lib/errors.js";
import { widgetRoute } from "../plugins/cors.js";
import { requireSite } from "../plugins/sites.js";
import { ErrorSchema, errorResponses, MoneySchema, storable, text } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";

const id = (what: string) => text().trim().min(1).max(200).describe(what);

export const AttemptBodySchema = z
  .object({
    builder: BuilderRefSchema,
    sessionTypeId: z.string().uuid().optional().describe("Required when the builder offers several session types"),
    customerToken: text().max(4096).optional().describe("Short-lived JWT from the host site, when it requires one"),
    returnUrl: storable(z.url().max(2000)).optional().describe("An allowlisted page checkout returns to"),
  })
  .strict();

export const AttemptSchema = z
  .object({ attemptId: z.string(), calendlyUrl: z.string(), expiresAt: z.string() })
  .meta({ id: "BookingAttempt" });

export const BookingBodySchema = z
  .object({
    attemptId: id("The attempt id from POST /v1/booking-attempts"),
    eventUri: storable(z.url().max(500)).describe("payload.event.uri of calendly.event_scheduled"),
    inviteeUri: storable(z.url().max(500)).describe("payload.invitee.uri of calendly.event_scheduled"),
  })
  .strict();

export const BookingCreatedSchema = z
  .object({
    bookingId: z.string(),
    bookingToken: z.string().describe("Capability token for GET /v1/bookings/{id}"),
    status: z.string(),
    checkoutUrl: z.string().nullable().describe("Stripe Checkout; navigate the top window here"),
    holdExpiresAt: z.string().nullable(),
  })
  .meta({ id: "BookingCreated" });

export const BookingViewSchema = z
  .object({
    id: z.string(),
    status: z.enum(["PENDING_PAYMENT", "CONFIRMED", "EXPIRED", "FAILED", "CANCELLED", "REFUNDED"]),
    builder: z.object({ name: z.string(), slug: z.string(), headline: z.string(), avatarUrl: z.string().nullable() }),
    sessionType: z.object({ id: z.string(), name: z.string(), durationMinutes: z.number().int() }),
    startTime: z.string(),
    endTime: z.string(),
    timezone: z.string().nullable(),
    inviteeName: z.string(),
    price: MoneySchema,
    amountPaid: MoneySchema.nullable(),
    amountRefunded: MoneySchema.nullable(),
    holdExpiresAt: z.string().nullable(),
    checkoutUrl: z.string().nullable(),
    history: z.array(z.object({ from: z.string().nullable(), to: z.string(), cause: z.string(), at: z.string() })),
    sandbox: z.boolean(),
  })
  .meta({ id: "Booking" });

const retryable = { 409: ErrorSchema, 422: ErrorSchema, 502: ErrorSchema, 504: ErrorSchema };

const bookings: FastifyPluginAsyncZod = async (fastify) => {
  fastify.post(
    "/v1/booking-attempts",
    {
      config: widgetRoute,
      preHandler: requireSite(),
      schema: {
        tags: ["public"],
        summary: "Start a booking: returns the Calendly URL carrying this attempt's id",
        security: [{ siteKey: [] }],
        body: AttemptBodySchema,
        response: { 201: AttemptSchema, ...errorResponses, ...retryable },
      },
    },
    async (request, reply) => {
      const site = request.site!;
      const customer = await verifyCustomerToken(site, request.body.customerToken);
      const attempt = await createAttempt(domainContext(fastify, request.log), {
        builder: request.body.builder,
        sessionTypeId: request.body.sessionTypeId,
        siteId: site.id,
        customer,
        returnUrl: chooseReturnUrl(request.body.returnUrl, site.returnUrlAllowlist),
      });
      return reply.code(201).send(attempt);
    },
  );

  fastify.post(
    "/v1/bookings",
    {
      config: widgetRoute,
      preHandler: requireSite(),
      schema: {
        tags: ["public"],
        summary: "Report a scheduled slot; the service verifies it with Calendly and opens Checkout",
        description:
          "Idempotent: repeating the call for the same invitee returns the same booking and its open session. " +
          "A Stripe failure answers 502 with retryable=true; the retry reuses the same idempotency key.",
        security: [{ siteKey: [] }],
        body: BookingBodySchema,
        response: { 200: BookingCreatedSchema, 201: BookingCreatedSchema, ...errorResponses, ...retryable },
      },
    },
    async (request, reply) => {
      const result = await createBooking(domainContext(fastify, request.log), {
        ...request.body,
        caller: { siteId: request.site!.id },
      });
      request.log.info({ bookingId: result.bookingId, created: result.created }, "booking reported");
      const { created, ...body } = result;
      return reply.code(created ? 201 : 200).send(body);
    },
  );

  const readBooking = async (booking: BookingWithDetails | null, log: typeof fastify.log) => {
    if (!booking) throw notFound("booking_not_found", "booking: not found, or the token does not match");
    const ctx = domainContext(fastify, log);
    return toView(await refreshFromStripe(ctx, booking), fastify.providers.isSandbox);
  };

  fastify.get(
    "/v1/bookings/:bookingId",
    {
      config: widgetRoute,
      schema: {
        tags: ["public"],
        summary: "Read a booking with its capability token (confirmation page)",
        security: [{ bookingToken: [] }],
        params: z.object({ bookingId: z.string().uuid() }),
        querystring: z.object({ token: text().max(200).optional() }),
        response: { 200: BookingViewSchema, ...errorResponses },
      },
    },
    async (request) => {
      const auth = request.headers.authorization;
      const token = auth?.startsWith("Bearer ") ? auth.slice(7) : request.query.token;
      const ok = isBookingToken(fastify.config.bookingTokenSecret, request.params.bookingId, token);
      const booking = ok ? await loadBooking(domainContext(fastify), { id: request.params.bookingId }) : null;
      return readBooking(booking, request.log);
    },
  );

  fastify.get(
    "/v1/bookings/by-checkout-session/:sessionId",
    {
      config: widgetRoute,
      schema: {
        tags: ["public"],
        summary: "Read a booking by the session_id Stripe appends to the success URL",
        params: z.object({ sessionId: z.string().regex(/^cs_[A-Za-z0-9_]{8,200}$/, "must be a Checkout Session id") }),
        response: { 200: BookingViewSchema, ...errorResponses },
      },
    },
    async (request) => {
      const payment = await fastify.db.prisma.payment.findUnique({
        where: { checkoutSessionId: request.params.sessionId },
        select: { bookingId: true },
      });
      const booking = payment ? await loadBooking(domainContext(fastify), { id: payment.bookingId }) : null;
      return readBooking(booking, request.log);
    },
  );
};

export default bookings;
