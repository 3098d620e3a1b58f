// Response headers every API answer carries: the request id and the security headers that
// matter for JSON (OWASP REST Security Cheat Sheet). The browser-document headers helmet adds
// (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
// X-Permitted-Cross-Domain-Policies, X-XSS-Protection) are for HTML; /docs, the one HTML the
// service serves, gets helmet's full set in plugins/swagger.ts.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const apiSecurityHeaders: Readonly<Record<string, string>> = {
  // Nothing in a JSON answer may load, run or be framed, even if a browser renders it.
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  // The widget reads these answers from other sites, through CORS.
  "cross-origin-resource-policy": "cross-origin",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

async function securityHeaders(fastify: FastifyInstance) {
  // One synchronous hook with a constant set: the headers cost nothing to compute per request.
  fastify.addHook("onRequest", (request, reply, done) => {
    reply.headers(apiSecurityHeaders);
    reply.header("x-request-id", request.id);
    done();
  });
}

export default fp(securityHeaders, { name: "security-headers" });
