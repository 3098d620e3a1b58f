// Embedding sites: a publishable key names a site, and the site names the origins that may
// use it. A refused origin gets a readable 403 from the origin check below (CORS is reflected
// for the widget routes, plugins/cors.ts), never data.
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Site } from "../generated/prisma/client.js";
import { badRequest, forbidden, unauthorized } from "../lib/errors.js";
import { TtlCache } from "../lib/ttl-cache.js";
import { isStorableText, UNSTORABLE_MESSAGE } from "../schemas/common.js";

declare module "fastify" {
  interface FastifyInstance {
    sites: SiteDirectory;
  }
  interface FastifyRequest {
    site: Site | null;
  }
}

const CACHE_MS = 15_000;

export class SiteDirectory {
  // Unknown keys are cached too (as null), so a flood of made-up keys does not reach the database.
  private cache = new TtlCache<string, { site: Site | null }>(CACHE_MS);
  constructor(private readonly load: (key: string) => Promise<Site | null>) {}

  async byKey(key: string): Promise<Site | null> {
    const hit = this.cache.get(key);
    if (hit) return hit.site;
    const site = await this.load(key);
    this.cache.set(key, { site });
    return site;
  }

  invalidate(): void {
    this.cache.clear();
  }
}

/** The publishable key the request presents (header, else `?siteKey`); 400 when it cannot be one. */
export function siteKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers["x-baw-site-key"];
  if (typeof header === "string" && header.trim()) return storableKey("X-Baw-Site-Key", header.trim());
  // Read here for every widget route, whether or not the route's schema declares it.
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.siteKey;
  return typeof fromQuery === "string" && fromQuery.trim() ? storableKey("siteKey", fromQuery.trim()) : undefined;
}

function storableKey(field: string, key: string): string {
  if (!isStorableText(key)) throw badRequest(field, UNSTORABLE_MESSAGE);
  return key;
}

export interface SiteCheckOptions {
  /** Requests without an Origin header (curl, servers) may omit the key. */
  optionalForServers?: boolean;
}

/** Resolves `request.site` and enforces the site's origin allowlist. */
export function requireSite(options: SiteCheckOptions = {}) {
  return async function siteCheck(this: FastifyInstance, request: FastifyRequest) {
    const key = siteKeyOf(request);
    const origin = request.headers.origin;
    if (!key) {
      if (options.optionalForServers && !origin) return;
      throw unauthorized(
        "site_key_required",
        "X-Baw-Site-Key: a publishable site key is required (header X-Baw-Site-Key or query siteKey)",
      );
    }
    const site = await this.sites.byKey(key);
    if (!site) throw forbidden("unknown_site_key", "X-Baw-Site-Key: no site has this publishable key");
    if (origin && !site.allowedOrigins.includes(origin)) {
      throw forbidden(
        "origin_not_allowed",
        `Origin ${origin} is not allowed to use this site key; add it to the site's allowed origins`,
      );
    }
    request.site = site;
  };
}

async function sites(fastify: FastifyInstance) {
  fastify.decorate(
    "sites",
    new SiteDirectory((key) => fastify.db.prisma.site.findUnique({ where: { publishableKey: key } })),
  );
  fastify.decorateRequest("site", null);
}

export default fp(sites, { name: "sites", dependencies: ["database"] });
