// CORS with @fastify/cors, decided per route from the route the router matched (never from the
// URL string, which the router decodes before matching). The widget's routes carry
// `config: widgetRoute`: any origin is reflected, so a page on a refused origin can read the
// 403 that the site check (plugins/sites.ts) gives it; the site check, not CORS, decides who
// gets data. Every other route (partner, webhooks, ops) gives browsers no CORS at all.
import fastifyCors, { type FastifyCorsOptions } from "@fastify/cors";
import type { FastifyInstance, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { badRequest } from "../lib/errors.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** @fastify/cors's settings for this route (merged over the plugin's). */
    cors?: FastifyCorsOptions | false;
  }
}

const widgetCors: FastifyCorsOptions = {
  origin: true,
  methods: ["GET", "POST", "OPTIONS"],
  allowedHeaders: ["Content-Type", "Authorization", "X-Baw-Site-Key", "If-None-Match"],
  exposedHeaders: ["ETag", "Retry-After", "X-Request-Id"],
  maxAge: 600,
  // Incomplete preflights are refused below, in the service's own error shape.
  strictPreflight: false,
};

/** Route config of the routes the widget calls from other sites. */
export const widgetRoute = { cors: widgetCors } as const;

function isWidgetRoute(config: unknown): boolean {
  return (config as { cors?: unknown } | undefined)?.cors === widgetCors;
}

async function cors(fastify: FastifyInstance) {
  // Preflights carry no site key, so they cannot be judged: any origin gets the same answer
  // and the real request then meets the site check. Each widget route gets a preflight route of
  // its own, so the preflight too is decided by the route matched.
  const preflights = new Set<string>();
  fastify.addHook("onRoute", (route: RouteOptions) => {
    if (!isWidgetRoute(route.config) || route.method === "OPTIONS" || preflights.has(route.url)) return;
    preflights.add(route.url);
    fastify.route({
      method: "OPTIONS",
      url: route.url,
      config: widgetRoute,
      schema: { hide: true },
      // @fastify/cors answers every preflight in its onRequest hook, before any handler.
      handler: (_request, reply) => reply.callNotFound(),
    });
  });
  // Ahead of @fastify/cors's hook: an incomplete preflight gets the service's error shape.
  fastify.addHook("onRequest", async (request) => {
    if (request.method !== "OPTIONS" || !isWidgetRoute(request.routeOptions.config)) return;
    for (const header of ["Origin", "Access-Control-Request-Method"]) {
      if (!request.headers[header.toLowerCase()]) {
        throw badRequest(header, "a CORS preflight needs both Origin and Access-Control-Request-Method");
      }
    }
  });
  // Off unless the matched route's config turns it on; unmatched preflights answer 404.
  await fastify.register(fastifyCors, { origin: false, hook: "onRequest" });
}

export default fp(cors, { name: "cors" });
