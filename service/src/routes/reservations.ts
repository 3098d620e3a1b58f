// Pay first, then book: reserve a time and open Checkout; pick another time for a paid booking
// whose time was taken. Thin over domain/pay-first.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  BookingCreatedSchema,
  PublicBookingSchema,
  RebookBodySchema,
  ReservationBodySchema,
} from "../contract/index.js";
import { isBookingToken } from "../domain/booking-token.js";
import { loadBooking, toPublicBooking } from "../domain/booking-view.js";
import { domainContext } from "../domain/context.js";
import { verifyCustomerToken } from "../domain/customer-token.js";
import { rebookPaid } from "../domain/pay-first/rebook.js";
import { reserve } from "../domain/pay-first/reserve.js";
import { chooseReturnUrl } from "../domain/return-urls.js";
import { notFound } from "../lib/errors.js";
import { widgetRoute } from "../plugins/cors.js";
import { requireSite } from "../plugins/sites.js";
import { ErrorSchema, errorResponses } from "../schemas/common.js";

const retryable = { 409: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema, 502: ErrorSchema, 504: ErrorSchema };

const reservations: FastifyPluginAsyncZod = async (fastify) => {
  fastify.post(
    "/v1/reservations",
    {
      config: widgetRoute,
      preHandler: requireSite(),
      schema: {
        tags: ["public"],
        summary: "Pay first: reserve an available time and open Checkout; the service books it once paid",
        description:
          "The time is checked with Calendly and held for this visitor until Checkout expires. 409 slot_unavailable: " +
          "pick another time; 409 pay_first_unavailable: use the embedded flow (POST /v1/booking-attempts).",
        security: [{ siteKey: [] }],
        body: ReservationBodySchema,
        response: { 201: BookingCreatedSchema, ...errorResponses, ...retryable },
      },
    },
    async (request, reply) => {
      const site = request.site!;
      const customer = await verifyCustomerToken(site, request.body.customerToken);
      const { customerToken: _, returnUrl, ...body } = request.body;
      const result = await reserve(domainContext(fastify, request.log), {
        ...body,
        // A signed-in customer's identity wins over what the form says.
        invitee: {
          ...body.invitee,
          ...(customer?.name ? { name: customer.name } : {}),
          ...(customer?.email ? { email: customer.email } : {}),
        },
        siteId: site.id,
        returnUrl: chooseReturnUrl(returnUrl, site.returnUrlAllowlist),
      });
      const { created: __, ...created } = result;
      return reply.code(201).send(created);
    },
  );

  fastify.post(
    "/v1/bookings/:bookingId/rebook",
    {
      config: widgetRoute,
      schema: {
        tags: ["public"],
        summary: "Pay first: pick another time for a paid booking whose time was taken (status NEEDS_NEW_TIME)",
        security: [{ bookingToken: [] }],
        params: z.object({ bookingId: z.string().uuid() }),
        body: RebookBodySchema,
        response: { 200: PublicBookingSchema, ...errorResponses, ...retryable },
      },
    },
    async (request) => {
      const auth = request.headers.authorization;
      const token = auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
      if (!isBookingToken(fastify.config.bookingTokenSecret, request.params.bookingId, token)) {
        throw notFound("booking_not_found", "booking: not found, or the token does not match");
      }
      const ctx = domainContext(fastify, request.log);
      await rebookPaid(ctx, request.params.bookingId, request.body.startTime);
      const booking = await loadBooking(ctx, { id: request.params.bookingId });
      if (!booking) throw notFound("booking_not_found", "booking: not found, or the token does not match");
      return toPublicBooking(booking, fastify.providers.isSandbox);
    },
  );
};

export default reservations;
