// The headers every answer carries: the API's security set and request id, CORS only on the
// widget's routes, and helmet's document headers only on the HTML of /docs.
import t from "tap";
import { buildTestApp, testSite } from "./helpers/app.js";

/** The security set every API answer carries (helmet, configured for JSON). */
const apiSecurityHeaders = {
  "content-security-policy": "default-src 'none';frame-ancestors 'none'",
  "cross-origin-resource-policy": "cross-origin",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

const h = await buildTestApp({ env: { RATE_LIMIT_MAX: "40", RATE_LIMIT_WINDOW_SECONDS: "60" } });
t.teardown(h.close);
const origin = testSite.allowedOrigins[0]!;
const documentOnly = [
  "cross-origin-opener-policy",
  "origin-agent-cluster",
  "x-dns-prefetch-control",
  "x-xss-protection",
];

t.test("API answers carry the security set and a request id, whatever their status", async (t) => {
  const answers = {
    "200 booking-config": await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders }),
    "404 unknown builder": await h.app.inject({ url: "/v1/builders/nobody/booking-config", headers: h.siteHeaders }),
    "404 unknown route": await h.app.inject({ url: "/v1/nothing-here" }),
    "400 bad webhook": await h.app.inject({ method: "POST", url: "/webhooks/stripe", payload: "{}" }),
    "200 health": await h.app.inject({ url: "/health" }),
  };
  for (const [what, res] of Object.entries(answers)) {
    t.match(res.headers, apiSecurityHeaders, `${what}: the security set`);
    t.match(res.headers["x-request-id"], /^[0-9a-f-]{36}$/, `${what}: a request id`);
    for (const header of documentOnly) t.notOk(res.headers[header], `${what}: no ${header}`);
  }
  const given = await h.app.inject({ url: "/health", headers: { "x-request-id": "trace-1234abcd" } });
  t.equal(given.headers["x-request-id"], "trace-1234abcd", "a caller's well-formed request id is kept");
});

t.test("CORS: reflected on widget routes, never on partner, webhook or ops routes", async (t) => {
  const widget = await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: { ...h.siteHeaders, origin } });
  t.equal(widget.headers["access-control-allow-origin"], origin);
  t.equal(widget.headers["access-control-expose-headers"], "ETag, Retry-After, X-Request-Id");
  t.match(String(widget.headers.vary), /Origin/);
  t.notOk(widget.headers["access-control-allow-credentials"], "no credentials");

  const noOrigin = await h.app.inject({
    url: "/v1/builders/liam/booking-config",
    headers: { "x-baw-site-key": testSite.publishableKey },
  });
  t.notOk(noOrigin.headers["access-control-allow-origin"], "no Origin, no allow-origin");
  t.match(String(noOrigin.headers.vary), /Origin/, "but the answer still varies by Origin");

  for (const url of ["/v1/partner/builders", "/health", "/metrics"]) {
    const res = await h.app.inject({ url, headers: { origin } });
    t.notOk(res.headers["access-control-allow-origin"], `${url}: no allow-origin`);
  }
});

t.test("CORS preflight: 204 on widget routes, 400 when incomplete, 404 elsewhere", async (t) => {
  const preflight = (url: string, headers: Record<string, string>) => h.app.inject({ method: "OPTIONS", url, headers });
  for (const url of [
    "/v1/bookings",
    "/v1/booking-attempts",
    "/v1/builders/liam/booking-config",
    "/v1/bookings/8d4c3b7e-0b1e-4c55-9d2c-6f7d1d8a9e01",
    "/v1/bookings/by-checkout-session/cs_test_abcdefgh",
  ]) {
    const ok = await preflight(url, { origin, "access-control-request-method": "POST" });
    t.equal(ok.statusCode, 204, `${url}: 204`);
    t.equal(ok.headers["content-length"], "0", "an explicit empty body (Safari waits for one otherwise)");
    t.equal(ok.headers["access-control-allow-origin"], origin);
    t.equal(ok.headers["access-control-allow-methods"], "GET, POST, OPTIONS");
    t.equal(ok.headers["access-control-allow-headers"], "Content-Type, Authorization, X-Baw-Site-Key, If-None-Match");
    t.equal(ok.headers["access-control-max-age"], "600");
    t.match(ok.headers, apiSecurityHeaders, "preflights carry the security set too");
  }

  const noMethod = await preflight("/v1/bookings", { origin });
  t.equal(noMethod.statusCode, 400);
  t.match(noMethod.json(), { statusCode: 400, error: "validation_error", field: "Access-Control-Request-Method" });
  const noOrigin = await preflight("/v1/bookings", { "access-control-request-method": "POST" });
  t.equal(noOrigin.statusCode, 400);
  t.match(noOrigin.json(), { statusCode: 400, error: "validation_error", field: "Origin" });

  for (const url of ["/v1/partner/bookings", "/webhooks/stripe", "/health"]) {
    const res = await preflight(url, { origin, "access-control-request-method": "POST" });
    t.equal(res.statusCode, 404, `${url}: 404`);
    t.notOk(res.headers["access-control-allow-origin"], `${url}: no allow-origin`);
    t.notOk(res.headers["access-control-allow-methods"], `${url}: no allow-methods`);
  }
});

t.test("CORS follows the route the router matched, not the URL string", async (t) => {
  const foreign = "https://evil.example";
  // The router decodes %70 to p: these are the partner routes, whatever the URL looks like.
  for (const url of [
    "/v1/%70artner/bookings",
    "/v1/partner%2Fbookings",
    "/v1/PARTNER/bookings",
    "/v1//partner/bookings",
  ]) {
    const preflight = await h.app.inject({
      method: "OPTIONS",
      url,
      headers: {
        origin: foreign,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    t.not(preflight.statusCode, 204, `OPTIONS ${url}: no successful preflight`);
    t.notOk(preflight.headers["access-control-allow-origin"], `OPTIONS ${url}: no allow-origin`);
    t.notOk(preflight.headers["access-control-allow-headers"], `OPTIONS ${url}: no allow-headers`);
    const read = await h.app.inject({ url, headers: { origin: foreign, authorization: "Bearer baw_sk_x" } });
    t.notOk(read.headers["access-control-allow-origin"], `GET ${url}: no allow-origin`);
  }
  // And a widget route reached through an encoded URL still gets the widget's CORS.
  const encoded = await h.app.inject({
    url: "/v1/builders/%6Ciam/booking-config",
    headers: { ...h.siteHeaders, origin },
  });
  t.equal(encoded.statusCode, 200);
  t.equal(encoded.headers["access-control-allow-origin"], origin);
});

t.test("the docs page gets helmet's document headers and swagger-ui's own CSP", async (t) => {
  const page = await h.app.inject({ url: "/docs/" });
  t.equal(page.statusCode, 200);
  t.match(page.headers["content-type"], /text\/html/);
  t.match(page.headers["content-security-policy"], /script-src 'self'/, "a CSP that lets the page's own scripts run");
  t.notMatch(page.headers["content-security-policy"], /default-src 'none'/, "not the API's CSP");
  t.ok(page.headers["x-frame-options"], "not framed elsewhere");
  t.equal(page.headers["cross-origin-opener-policy"], "same-origin");
  const spec = await h.app.inject({ url: "/docs/json" });
  t.equal(spec.statusCode, 200);
  t.equal(spec.json().openapi, "3.1.0");
  t.notOk(
    Object.keys(spec.json().paths).some((p) => p.startsWith("/v1/*")),
    "the preflight route is not in the OpenAPI document",
  );
  const schemas = Object.entries(spec.json().components.schemas as Record<string, Record<string, unknown>>);
  t.ok(schemas.length > 5, `${schemas.length} component schemas`);
  for (const [name, schema] of schemas) {
    t.notOk("$id" in schema || "$schema" in schema, `${name} carries no $id or $schema that would rebase its $refs`);
  }
});
