// GET /v1/builders/{builder}/available-times: the times a builder can be booked at pay-first.
// One path for the widget (a site key, CORS as the other widget routes) and for partners' servers
// (`Authorization: Bearer baw_sk_…` with builders:read): a request presenting a bearer credential
// is a partner's, every other one must carry a site key.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AvailableTimesQuerySchema, AvailableTimesSchema } from "../contract/index.js";
import { loadBookableBuilder } from "../domain/attempts.js";
import { payFirstUnavailable } from "../domain/availability/calendly-failure.js";
import { availableTimes, requestedWindow } from "../domain/availability/index.js";
import { type DomainContext, domainContext } from "../domain/context.js";
import { payFirstBlock } from "../domain/pay-first/offer.js";
import { TtlCache } from "../lib/ttl-cache.js";
import { widgetRoute } from "../plugins/cors.js";
import partnerAuth, { authenticatePartner } from "../plugins/partner-auth.js";
import { requireSite } from "../plugins/sites.js";
import { ErrorSchema, errorResponses, text } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";

const REASONS: Record<string, string> = {
  builder_chose_embedded: "they chose the embedded Calendly flow",
  no_event_type: "they have no Calendly event type to book through",
  not_bookable: "they cannot be booked now",
};

const availableTimesRoutes: FastifyPluginAsyncZod = async (fastify) => {
  await fastify.register(partnerAuth);
  const partner = authenticatePartner("builders:read");
  const site = requireSite();

  async function siteOrPartner(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    if (request.headers.authorization !== undefined) return partner.call(this, request, reply);
    return site.call(this, request);
  }

  // The builder and session type, as booking-config keeps its answer: each view would otherwise
  // cost more in Prisma than everything else it does. Our holds are still read on every view.
  const builders = new TtlCache<string, Awaited<ReturnType<typeof loadBookableBuilder>>>(
    fastify.config.configCacheSeconds * 1000,
  );
  async function bookable(ctx: DomainContext, idOrSlug: string, sessionTypeId: string | undefined) {
    const key = `${idOrSlug}\n${sessionTypeId ?? ""}`;
    const hit = builders.get(key);
    if (hit) return hit;
    const loaded = await loadBookableBuilder(ctx, idOrSlug, sessionTypeId);
    builders.set(key, loaded);
    return loaded;
  }

  const ttl = fastify.config.payFirst.availabilityCacheSeconds;
  // Browsers may keep an answer as long as this instance does; never shared caches (holds differ by the moment).
  const cacheControl = ttl > 0 ? `private, max-age=${ttl}` : "private, no-store";

  fastify.get(
    "/v1/builders/:builder/available-times",
    {
      config: widgetRoute,
      preHandler: siteOrPartner,
      schema: {
        tags: ["public", "partner"],
        summary: "The times a builder can be booked at pay-first, with the questions to ask before payment",
        description:
          "For the widget (X-Baw-Site-Key) or a partner's server (Authorization: Bearer <partner key> with " +
          "`builders:read`). The window defaults to the week from now; `from` in the past counts from now; " +
          "`to` may be at most 31 days after `from` (422 naming `to`). Times come from the builder's Calendly, " +
          "cached for a short while (Cache-Control says how long), without those our other visitors hold. " +
          "409 `pay_first_unavailable` when the builder cannot be booked pay-first: fall back to the embedded flow.",
        security: [{ siteKey: [] }, { partnerKey: [] }],
        params: z.object({ builder: BuilderRefSchema }),
        querystring: AvailableTimesQuerySchema.extend({ siteKey: text().max(200).optional() }),
        response: {
          200: AvailableTimesSchema,
          ...errorResponses,
          404: ErrorSchema,
          409: ErrorSchema,
          422: ErrorSchema,
          502: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const ctx = domainContext(fastify, request.log);
      const window = requestedWindow(request.query, ctx.availability.now());
      const { builder, sessionType } = await bookable(ctx, request.params.builder, request.query.sessionTypeId);
      // The builder was refused (409) unless the builder is bookable: ask about this session type.
      const block = payFirstBlock(builder, { state: "bookable", sessionTypes: [sessionType] });
      if (block) throw payFirstUnavailable(builder.name, block, REASONS[block] ?? block);
      const body = await availableTimes(ctx, builder, sessionType, window);
      reply.header("cache-control", cacheControl).header("vary", "Origin, X-Baw-Site-Key, Authorization");
      return body;
    },
  );
};

export default availableTimesRoutes;
