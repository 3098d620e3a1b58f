// Public booking routes used by the widget: attempts, verified bookings, confirmation reads.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { BookingAttemptSchema, BookingCreatedSchema, PublicBookingSchema } from "../contract/index.js";
import { createAttempt } from "../domain/attempts.js";
import { isBookingToken } from "../domain/booking-token.js";
import {
  type BookingWithDetails,
  loadBooking,
  loadBookingByCheckoutSession,
  refreshFromStripe,
  toPublicBooking,
} from "../domain/booking-view.js";
import { createBooking } from "../domain/bookings.js";
import { domainContext } from "../domain/context.js";
import { verifyCustomerToken } from "../domain/customer-token.js";
import { chooseReturnUrl } from "../domain/return-urls.js";
import { notFound } from "../lib/errors.js";
import { widgetRoute } from "../plugins/cors.js";
import { requireSite } from "../plugins/sites.js";
import { ErrorSchema, errorResponses, storable, text } from "../schemas/common.js";
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

export const BookingBodySchema = z
  .object({
    attemptId: id("The attempt id from POST /v1/booking-attempts"),
    eventUri: storable(z.url().max(500)).describe("payload.event.uri of calendly.event_scheduled"),
    inviteeUri: storable(z.url().max(500)).describe("payload.invitee.uri of calendly.event_scheduled"),
  })
  .strict();

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
        response: { 201: BookingAttemptSchema, ...errorResponses, ...retryable },
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
    return toPublicBooking(await refreshFromStripe(ctx, booking), fastify.providers.isSandbox);
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
        response: { 200: PublicBookingSchema, ...errorResponses },
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
        response: { 200: PublicBookingSchema, ...errorResponses },
      },
    },
    async (request) => {
      const booking = await loadBookingByCheckoutSession(domainContext(fastify), request.params.sessionId);
      return readBooking(booking, request.log);
    },
  );
};

export default bookings;
