// CORS for the widget's routes: every /v1/ route but the partner API. The origin is reflected,
// so a page on a refused origin can read the 403 that the site check (plugins/sites.ts) gives
// it; the site check, not CORS, decides who gets data. Partner, webhook and ops routes give
// browsers no CORS at all. The headers are constants, set by one synchronous hook.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

const ALLOW_METHODS = "GET, POST, OPTIONS";
const ALLOW_HEADERS = "Content-Type, Authorization, X-Baw-Site-Key, If-None-Match";
const EXPOSE_HEADERS = "ETag, Retry-After, X-Request-Id";
const MAX_AGE_SECONDS = "600";

/** Whether a browser on another site may call this path (the widget's routes). */
export function isWidgetPath(url: string): boolean {
  return url.startsWith("/v1/") && !url.startsWith("/v1/partner/");
}

async function cors(fastify: FastifyInstance) {
  fastify.addHook("onRequest", (request, reply, done) => {
    if (isWidgetPath(request.url)) {
      // The answer depends on the Origin, whether or not this request sent one.
      reply.header("vary", "Origin");
      const origin = request.headers.origin;
      if (origin) {
        reply.header("access-control-allow-origin", origin);
        reply.header("access-control-expose-headers", EXPOSE_HEADERS);
      }
    }
    done();
  });

  // Preflights carry no site key, so they cannot be judged: any origin gets the same answer,
  // and the real request then meets the site check.
  fastify.options("/v1/*", { schema: { hide: true } }, async (request, reply) => {
    if (!isWidgetPath(request.url)) return reply.callNotFound();
    if (!request.headers.origin || !request.headers["access-control-request-method"]) {
      return reply
        .code(400)
        .type("text/plain; charset=utf-8")
        .send("Invalid preflight request: Origin and Access-Control-Request-Method are required");
    }
    return reply
      .code(204)
      .header("access-control-allow-methods", ALLOW_METHODS)
      .header("access-control-allow-headers", ALLOW_HEADERS)
      .header("access-control-max-age", MAX_AGE_SECONDS)
      .header("content-length", "0")
      .send();
  });
}

export default fp(cors, { name: "cors" });
