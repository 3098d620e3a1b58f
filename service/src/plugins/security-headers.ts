// Response headers every answer carries: the request id, and helmet's security headers with
// the set that matters for JSON (OWASP REST Security Cheat Sheet). The browser-document headers
// (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
// X-Permitted-Cross-Domain-Policies, X-XSS-Protection) are for HTML: /docs, the one HTML the
// service serves, turns them on through its routes' config (plugins/swagger.ts).
import helmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyContextConfig {
    /** @fastify/helmet's settings for this route (merged over the API's). */
    helmet?: FastifyHelmetOptions;
  }
}

export const apiHelmet: FastifyHelmetOptions = {
  // Nothing in a JSON answer may load, run or be framed, even if a browser renders it.
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  // The widget reads these answers from other sites, through CORS.
  crossOriginResourcePolicy: { policy: "cross-origin" },
  referrerPolicy: { policy: "no-referrer" },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  xFrameOptions: { action: "deny" },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

async function securityHeaders(fastify: FastifyInstance) {
  fastify.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  await fastify.register(helmet, { global: true, ...apiHelmet });
}

export default fp(securityHeaders, { name: "security-headers" });
