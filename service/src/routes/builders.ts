import { createHash } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type BookingConfig, BookingConfigSchema } from "../contract/index.js";
import { bookingConfigView } from "../domain/booking-config.js";
import { domainContext } from "../domain/context.js";
import { TtlCache } from "../lib/ttl-cache.js";
import { widgetRoute } from "../plugins/cors.js";
import { requireSite } from "../plugins/sites.js";
import { ErrorSchema, errorResponses, text } from "../schemas/common.js";

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
    const body = await bookingConfigView(domainContext(fastify), idOrSlug, requiresCustomer);
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
