// GET /v1/booking-attempts/{attemptId}/outcome: what became of an attempt. The widget watches it
// after the visitor books in Calendly itself ("Open in Calendly"), so that the booking still goes
// on to Checkout. The attempt id is the capability; the answer carries no personal data.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AttemptOutcomeSchema } from "../contract/index.js";
import { attemptOutcome } from "../domain/attempts.js";
import { domainContext } from "../domain/context.js";
import { widgetRoute } from "../plugins/cors.js";
import { requireSite } from "../plugins/sites.js";
import { errorResponses } from "../schemas/common.js";

const attemptOutcomeRoute: FastifyPluginAsyncZod = async (fastify) => {
  fastify.get(
    "/v1/booking-attempts/:attemptId/outcome",
    {
      config: widgetRoute,
      preHandler: requireSite(),
      schema: {
        tags: ["public"],
        summary: "What became of a booking attempt: waiting, booked (with the URIs to report) or expired",
        description:
          "For the widget after the visitor booked in Calendly's own page: once the invitee.created webhook " +
          "(or the widget's report) has booked the slot, the answer names it, and POST /v1/bookings opens Checkout. " +
          "Only the site the attempt was issued to learns its outcome.",
        security: [{ siteKey: [] }],
        params: z.object({
          attemptId: z
            .string()
            .regex(/^att_[A-Za-z0-9_-]{8,64}$/, "must be an attempt id from POST /v1/booking-attempts")
            .describe("The attempt id from POST /v1/booking-attempts"),
        }),
        response: { 200: AttemptOutcomeSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const outcome = await attemptOutcome(
        domainContext(fastify, request.log),
        request.params.attemptId,
        request.site!.id,
      );
      // A poll must never be answered from a cache.
      return reply.header("Cache-Control", "no-store").send(outcome);
    },
  );
};

export default attemptOutcomeRoute;
