import { createHash } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { builderWhere, decideBookability } from "../domain/bookability.js";
import { notFound } from "../lib/errors.js";
import { TtlCache } from "../lib/ttl-cache.js";
import { widgetRoute } from "../plugins/cors.js";
import { requireSite } from "../plugins/sites.js";
import { ErrorSchema, errorResponses, MoneySchema, text } from "../schemas/common.js";

export const BookingConfigSchema = z
  .object({
    state: z.enum(["bookable", "demo", "unavailable"]),
    reason: z.string().optional(),
    builder: z.object({
      id: z.string(),
      slug: z.string(),
      name: z.string(),
      headline: z.string(),
      avatarUrl: z.string().nullable(),
    }),
    sessionTypes: z.array(
      z.object({ id: z.string(), name: z.string(), durationMinutes: z.number().int(), price: MoneySchema }),
    ),
    calendly: z.object({ url: z.string(), origin: z.string() }).nullable(),
    requiresCustomer: z.boolean(),
    sandbox: z.boolean(),
  })
  .meta({ id: "BookingConfig" });

export type BookingConfig = z.infer<typeof BookingConfigSchema>;

/** A builder's id (UUID) or slug. The router refuses path parameters over 100 characters (414). */
export const BuilderRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, "must be a builder id or slug (letters, digits, - and _)")
  .describe("Builder id or slug, e.g. ada-lovelace");

/** If-None-Match matches a list of tags, weakly (RFC 9110 §13.1.2). */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

/** The serialized config and its tag, as cached per builder and kind of site. */
interface CachedConfig {
  json: string;
  etag: string;
}

const builders: FastifyPluginAsyncZod = async (fastify) => {
  // Configs change rarely and are read on every page view: keep each for a few seconds.
  const cache = new TtlCache<string, CachedConfig>(fastify.config.configCacheSeconds * 1000);

  async function loadConfig(idOrSlug: string, requiresCustomer: boolean): Promise<CachedConfig> {
    const key = `${idOrSlug}\n${requiresCustomer}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const builder = await fastify.db.prisma.builder.findUnique({
      where: builderWhere(idOrSlug),
      include: { sessionTypes: true, payoutAccount: true },
    });
    if (!builder) throw notFound("builder_not_found", `builder: no builder "${idOrSlug}" exists`);
    const decision = decideBookability(builder, fastify.config.payouts.mode);
    const body: BookingConfig = {
      state: decision.state,
      ...(decision.reason ? { reason: decision.reason } : {}),
      builder: {
        id: builder.id,
        slug: builder.slug,
        name: builder.name,
        headline: builder.headline,
        avatarUrl: builder.avatarUrl,
      },
      sessionTypes: decision.sessionTypes.map((s) => ({
        id: s.id,
        name: s.name,
        durationMinutes: s.durationMinutes,
        price: { amount: s.priceAmount, currency: s.currency },
      })),
      calendly:
        decision.state === "bookable" && builder.calendlyEventUrl
          ? {
              url: fastify.providers.schedulingUrl(builder.calendlyEventUrl),
              origin: fastify.providers.calendlyOrigin,
            }
          : null,
      requiresCustomer,
      sandbox: fastify.providers.isSandbox,
    };
    const json = JSON.stringify(BookingConfigSchema.parse(body));
    const entry = { json, etag: `"${createHash("sha1").update(json).digest("base64url")}"` };
    cache.set(key, entry);
    return entry;
  }

  fastify.get(
    "/v1/builders/:idOrSlug/booking-config",
    {
      config: widgetRoute,
      preHandler: requireSite({ optionalForServers: true }),
      schema: {
        tags: ["public"],
        summary: "Whether a builder can be booked, and what the widget needs to show",
        security: [{ siteKey: [] }],
        params: z.object({ idOrSlug: BuilderRefSchema }),
        querystring: z.object({ siteKey: text().max(200).optional() }),
        response: {
          200: BookingConfigSchema,
          304: z.null().describe("Not modified"),
          ...errorResponses,
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { json, etag } = await loadConfig(request.params.idOrSlug, request.site?.requireCustomerToken ?? false);
      reply
        .header("etag", etag)
        .header("cache-control", "private, max-age=0, must-revalidate")
        .header("vary", "Origin, X-Baw-Site-Key");
      // A revalidated (304) config is a view too: the widget renders from its cache.
      fastify.metrics.step("config_viewed");
      if (noneMatch(request.headers["if-none-match"], etag)) return reply.code(304).send(null);
      // Validated and serialized when cached; Fastify sends a string with a JSON type as it is.
      return reply.type("application/json; charset=utf-8").send(json as unknown as BookingConfig);
    },
  );
};

export default builders;
