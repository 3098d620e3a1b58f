// Hostile input against two service processes: property-based fuzzing (fast-check) of every
// route, forged and replayed webhooks, client-supplied amounts, open redirects, foreign origins,
// and rate limits shared through Redis. Every answer must be below 500, and every 4xx a JSON
// body with statusCode, error and message.
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import t, { type Test } from "tap";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import { testSite } from "./helpers/app.js";
import {
  apiCancellations,
  calendlySignature,
  type HttpRequest,
  type HttpResult,
  pendingBooking,
  postWebhook,
  request,
  scanLogs,
  scheduleSlot,
  startAttempt,
  startCluster,
  stripeEventBody,
  stripeSignature,
} from "./helpers/cluster.js";

const RATE_LIMIT = 5;
// Instances 0 and 1 take the fuzzing; 2 and 3, with a small rate limit, the rate-limit case.
const c = await startCluster({
  name: "hostile",
  instances: 4,
  envFor: (index): Record<string, string> => (index >= 2 ? { RATE_LIMIT_MAX: String(RATE_LIMIT) } : {}),
});
t.teardown(c.close);
const prisma = c.db.prisma;
const partner = await issuePartnerKey(prisma, {
  name: "Fuzz partner",
  scopes: ["builders:read", "bookings:read", "bookings:write"],
  returnUrlAllowlist: ["https://partner.example/return"],
});

/** A loopback address of its own for each request: rate limits are per client address. */
function freshClient(): string {
  const [a, b, d] = randomBytes(3);
  return `127.${a! % 250}.${b}.${(d! % 250) + 2}`;
}

function send(req: HttpRequest & { via?: number }): Promise<HttpResult> {
  return request(c.instances[(req.via ?? 0) % c.instances.length]!.url, { localAddress: freshClient(), ...req });
}

/** Percent-encodes anything, lone surrogates included (as the invalid UTF-8 a client could send). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s
      .split(/([\ud800-\udfff])/)
      .map((part) => (/^[\ud800-\udfff]$/.test(part) ? "%ED%A0%80" : encodeURIComponent(part)))
      .join("");
  }
}

const statsByRoute = new Map<string, Record<number, number>>();

/** Throws unless the answer is below 500 and, if an error, our JSON error shape. */
function checkAnswer(route: string, res: HttpResult): void {
  const stats = statsByRoute.get(route) ?? {};
  stats[res.status] = (stats[res.status] ?? 0) + 1;
  statsByRoute.set(route, stats);
  if (res.status >= 500) throw new Error(`${route}: ${res.status} ${res.body.slice(0, 300)}`);
  // A HEAD answer has no body to check.
  if (res.status < 400 || route.startsWith("HEAD ")) return;
  let body: { statusCode?: unknown; error?: unknown; message?: unknown; received?: unknown };
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new Error(`${route}: ${res.status} with a body that is not JSON: ${res.body.slice(0, 200)}`);
  }
  if (!String(res.headers["content-type"]).includes("application/json")) {
    throw new Error(`${route}: ${res.status} answered as ${res.headers["content-type"]}`);
  }
  // Webhook rejections answer the provider's receipt shape, which also names the error.
  const webhookReceipt = route.startsWith("POST /webhooks/") && body.received === false;
  const ok = webhookReceipt
    ? typeof body.error === "string" && typeof body.message === "string"
    : body.statusCode === res.status && typeof body.error === "string" && typeof body.message === "string";
  if (!ok || String(body.message).length === 0) {
    throw new Error(`${route}: ${res.status} without statusCode/error/message: ${res.body.slice(0, 200)}`);
  }
}

// ---- arbitraries -------------------------------------------------------------------------------

const nasty = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff",
  "\u202e",
  "\ufeff",
  "☃",
  "𝕏𝔂𝔃",
  "Z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "$" + "{jndi:ldap://x}",
  "%00",
  "__proto__",
  "constructor",
  "prototype",
  "a".repeat(5000),
  "https://evil.example/",
  "liam",
);
const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), nasty);
const weird = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
  fc.array(text, { maxLength: 3 }),
  fc.dictionary(text, text, { maxKeys: 3 }),
  fc.anything({ maxDepth: 3 }),
);

/** A JSON object with some of `keys` (valid or weird values) and maybe extra keys. */
const objectBody = (valid: Record<string, unknown>) =>
  fc
    .tuple(
      fc.subarray(Object.keys(valid)),
      fc.dictionary(fc.constantFrom(...Object.keys(valid)), weird, { maxKeys: 3 }),
      fc.dictionary(
        fc.oneof(fc.constantFrom("amount", "price", "priceAmount", "currency", "status", "constructor", "x"), text),
        weird,
        { maxKeys: 2 },
      ),
    )
    .map(([keep, overrides, extra]) => {
      const body: Record<string, unknown> = {};
      for (const k of keep) body[k] = valid[k];
      return JSON.stringify({ ...body, ...overrides, ...extra });
    });

const rawBody = fc.oneof(
  fc.constantFrom(
    '{"__proto__":{"isAdmin":true},"builder":"liam"}',
    '{"constructor":{"prototype":{"polluted":true}},"builder":"liam"}',
    '{"builder":"liam","builder":"x"}',
    '{"builder":1e309}',
    '{"builder":123456789012345678901234567890123456789}',
    '{"builder":-0}',
    '{"builder":"liam"',
    '{"builder":"liam"}garbage',
    "\ufeff{}",
    "[]",
    "null",
    "true",
    '"string"',
    "{}",
    "",
    "{'single':'quotes'}",
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
  ),
  fc.nat({ max: 40_000 }).map((d) => `${"[".repeat(d)}${"]".repeat(d)}`),
  fc.nat({ max: 20_000 }).map((d) => `${'{"a":'.repeat(d)}1${"}".repeat(d)}`),
  fc.constantFrom(70 * 1024, 600 * 1024).map((n) => JSON.stringify({ builder: "x".repeat(n) })),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.json(),
  text,
);

/** A booking report's body, for the widget's and the partner's report routes alike. */
const reportBody = fc.oneof(
  objectBody({
    attemptId: "att_x",
    eventUri: "https://api.calendly.com/scheduled_events/abc",
    inviteeUri: "https://api.calendly.com/scheduled_events/abc/invitees/def",
  }),
  rawBody,
);

const contentType = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "application/json; charset=latin1",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
      "application/vnd.api+json",
      "*/*",
      "",
      undefined,
    ),
  },
);

/** Printable header values (Node refuses to send others). */
const headerValue = fc.oneof(
  fc.string({ unit: "binary-ascii" }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
  fc.constantFrom("", " ", "null", "undefined", "Bearer ", "Bearer baw_sk_AAAAAAAA.notasecret", "a".repeat(8000)),
);

const siteHeaders = fc.oneof(
  fc.constant(c.siteHeaders),
  fc.record(
    {
      "x-baw-site-key": fc.oneof(fc.constant(testSite.publishableKey), headerValue),
      origin: fc.oneof(
        fc.constantFrom(
          testSite.allowedOrigins[0]!,
          "https://evil.example",
          "null",
          "https://market.example.evil.example",
        ),
        headerValue,
      ),
      "if-none-match": headerValue,
      "x-request-id": headerValue,
    },
    { requiredKeys: [] },
  ),
);

const pathParam = fc.oneof(
  fc.uuid(),
  fc.constantFrom("liam", "ada-fernandez", "..", "%2e%2e", "%E0%A4%A", "%00", "a".repeat(101), "cs_test_aaaaaaaaaaaa"),
  text.map((s) => enc(s).slice(0, 300)),
);

const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom("siteKey", "token", "limit", "cursor", "status", "from", "to", "builder"), text),
      fc.oneof(text, fc.constantFrom("1e999", "-1", "0", "100000000000000000000", "%E0%A4%A")),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${enc(k)}=${v.startsWith("%") ? v : enc(v)}`).join("&")}`,
  );

interface Fuzzed {
  route: string;
  req: HttpRequest & { via: number };
}

function withBody(ct: string | undefined, body: string | Buffer | undefined): Pick<HttpRequest, "headers" | "body"> {
  return { headers: ct === undefined ? {} : { "content-type": ct }, body };
}

const publicRoutes: fc.Arbitrary<Fuzzed> = fc.oneof(
  fc.record({ id: pathParam, q: query, h: siteHeaders, via: fc.nat(1) }).map(({ id, q, h, via }) => ({
    route: "GET /v1/builders/:idOrSlug/booking-config",
    req: { via, path: `/v1/builders/${id}/booking-config${q}`, headers: h },
  })),
  fc
    .record({
      body: fc.oneof(
        objectBody({
          builder: "liam",
          sessionTypeId: "00000000-0000-4000-8000-000000000000",
          customerToken: "x.y.z",
          returnUrl: "https://market.example/book",
        }),
        rawBody,
      ),
      ct: contentType,
      h: siteHeaders,
      via: fc.nat(1),
    })
    .map(({ body, ct, h, via }) => ({
      route: "POST /v1/booking-attempts",
      req: {
        via,
        method: "POST",
        path: "/v1/booking-attempts",
        ...withBody(ct, body),
        headers: { ...h, ...withBody(ct, body).headers },
      },
    })),
  fc
    .record({
      body: reportBody,
      ct: contentType,
      h: siteHeaders,
      via: fc.nat(1),
    })
    .map(({ body, ct, h, via }) => ({
      route: "POST /v1/bookings",
      req: { via, method: "POST", path: "/v1/bookings", body, headers: { ...h, ...withBody(ct, body).headers } },
    })),
  fc.record({ id: pathParam, q: query, auth: headerValue, via: fc.nat(1) }).map(({ id, q, auth, via }) => ({
    route: "GET /v1/bookings/:bookingId",
    req: { via, path: `/v1/bookings/${id}${q}`, headers: { authorization: auth } },
  })),
  fc.record({ id: pathParam, q: query, via: fc.nat(1) }).map(({ id, q, via }) => ({
    route: "GET /v1/bookings/by-checkout-session/:sessionId",
    req: { via, path: `/v1/bookings/by-checkout-session/${id}${q}` },
  })),
);

const partnerAuth = fc.oneof(
  { weight: 3, arbitrary: fc.constant(`Bearer ${partner.key}`) },
  { weight: 1, arbitrary: headerValue },
);

const partnerRoutes: fc.Arbitrary<Fuzzed> = fc.oneof(
  fc.record({ q: query, auth: partnerAuth, via: fc.nat(1) }).map(({ q, auth, via }) => ({
    route: "GET /v1/partner/builders",
    req: { via, path: `/v1/partner/builders${q}`, headers: { authorization: auth } },
  })),
  fc.record({ q: query, auth: partnerAuth, via: fc.nat(1) }).map(({ q, auth, via }) => ({
    route: "GET /v1/partner/bookings",
    req: { via, path: `/v1/partner/bookings${q}`, headers: { authorization: auth } },
  })),
  fc.record({ id: pathParam, auth: partnerAuth, via: fc.nat(1) }).map(({ id, auth, via }) => ({
    route: "GET /v1/partner/bookings/:id",
    req: { via, path: `/v1/partner/bookings/${id}`, headers: { authorization: auth } },
  })),
  fc
    .record({
      body: fc.oneof(
        objectBody({
          builder: "liam",
          returnUrl: "https://partner.example/return",
          customer: { id: "c1", email: "someone@guests.example", name: "Some One" },
        }),
        rawBody,
      ),
      ct: contentType,
      auth: partnerAuth,
      via: fc.nat(1),
    })
    .map(({ body, ct, auth, via }) => ({
      route: "POST /v1/partner/booking-attempts",
      req: {
        via,
        method: "POST",
        path: "/v1/partner/booking-attempts",
        body,
        headers: { authorization: auth, ...withBody(ct, body).headers },
      },
    })),
  fc
    .record({
      body: reportBody,
      ct: contentType,
      auth: partnerAuth,
      via: fc.nat(1),
    })
    .map(({ body, ct, auth, via }) => ({
      route: "POST /v1/partner/bookings",
      req: {
        via,
        method: "POST",
        path: "/v1/partner/bookings",
        body,
        headers: { authorization: auth, ...withBody(ct, body).headers },
      },
    })),
);

const now = () => Math.floor(Date.now() / 1000);
const signatureHeaders = (body: string | Buffer, secret: "stripe" | "calendly") =>
  fc.oneof(
    headerValue,
    fc.constantFrom(`t=${now()},v1=${"0".repeat(64)}`, `t=abc,v1=zz`, "t=,v1=", `v1=${"a".repeat(64)}`, ","),
    // Correctly signed, so the body itself is what is fuzzed past the signature check.
    fc.constant(
      secret === "stripe"
        ? stripeSignature(Buffer.isBuffer(body) ? body.toString("latin1") : body)
        : calendlySignature(Buffer.isBuffer(body) ? body.toString("latin1") : body),
    ),
  );

// A signed body with \u0000 cannot be stored (jsonb) and answers 500 by design
// (stripe-webhooks.test.ts); only the provider can sign, so it is left out here.
const webhookBody = fc
  .oneof(
    objectBody({
      id: "evt_fuzz",
      object: "event",
      type: "checkout.session.completed",
      data: { object: { id: "cs_test_x", object: "checkout.session" } },
      event: "invitee.created",
      payload: { uri: "https://api.calendly.com/x", scheduled_event: { uri: "https://api.calendly.com/y" } },
    }),
    rawBody.filter((b) => typeof b === "string"),
  )
  .filter(
    (b) => typeof b === "string" && !b.includes("\\u0000") && !b.includes(String.fromCharCode(0)),
  ) as fc.Arbitrary<string>;

const webhookRoutes: fc.Arbitrary<Fuzzed> = fc
  .record({
    provider: fc.constantFrom("stripe" as const, "calendly" as const),
    body: webhookBody,
    ct: contentType,
    via: fc.nat(1),
  })
  .chain(({ provider, body, ct, via }) =>
    signatureHeaders(body, provider).map((sig) => ({
      route: `POST /webhooks/${provider}`,
      req: {
        via,
        method: "POST",
        path: `/webhooks/${provider}`,
        body,
        headers: {
          ...withBody(ct, body).headers,
          [provider === "stripe" ? "stripe-signature" : "calendly-webhook-signature"]: sig,
        },
      },
    })),
  );

const opsRoutes: fc.Arbitrary<Fuzzed> = fc
  .record({
    method: fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
    path: fc.oneof(
      fc.constantFrom(
        "/health",
        "/ready",
        "/metrics",
        "/docs",
        "/docs/",
        "/docs/json",
        "/docs/yaml",
        "/docs/static/index.html",
        "/docs/static/../../package.json",
        "/v1/builders/liam/booking-config",
        "/v1/booking-attempts",
        "/v1/partner/builders",
        "/webhooks/stripe",
        "/nope",
        "//",
        "/%",
        "/v1/%E0%A4%A",
      ),
      pathParam.map((p) => `/${p}`),
    ),
    q: query,
    origin: fc.option(fc.constantFrom("https://evil.example", testSite.allowedOrigins[0]!), { nil: undefined }),
    via: fc.nat(1),
  })
  .map(({ method, path, q, origin, via }) => ({
    route: path.startsWith("/webhooks/") ? `${method} ${path}` : `${method} (health, docs, metrics, unknown)`,
    req: {
      via,
      method,
      path: `${path}${q}`,
      headers: {
        ...(origin ? { origin } : {}),
        ...(method === "OPTIONS" ? { "access-control-request-method": "POST" } : {}),
      },
      ...(method === "POST" || method === "PUT" || method === "PATCH" ? { body: "{}" } : {}),
    },
  }));

async function fuzz(t: Test, name: string, arbitrary: fc.Arbitrary<Fuzzed>, numRuns: number) {
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async ({ route, req }) => {
      sent++;
      let res: HttpResult;
      try {
        res = await send({ ...req, timeoutMs: 20_000 });
      } catch (error) {
        const code = (error as { code?: string }).code;
        // The client refused to send it (an invalid header): nothing reached the service.
        if (
          code === "ERR_INVALID_CHAR" ||
          code === "ERR_INVALID_HTTP_TOKEN" ||
          code === "ERR_HTTP_INVALID_HEADER_VALUE"
        ) {
          return;
        }
        // The server may close the connection on a body far beyond its limit before reading it.
        if (code === "EPIPE" || code === "ECONNRESET") return;
        throw error;
      }
      checkAnswer(route, res);
    }),
    { numRuns, seed: Number(process.env.FUZZ_SEED ?? 20260601), endOnFailure: true },
  );
  t.pass(`${name}: ${sent} requests, none 5xx, every error in the JSON error shape`);
}

t.test("fuzzing every route: zero 5xx, a clear JSON 4xx every time", async (t) => {
  const runs = Number(process.env.FUZZ_RUNS ?? 300);
  await fuzz(t, "public routes", publicRoutes, runs);
  await fuzz(t, "partner routes", partnerRoutes, runs);
  await fuzz(t, "webhooks", webhookRoutes, runs);
  await fuzz(t, "health, docs, metrics, unknown routes and methods", opsRoutes, runs);
  const summary = [...statsByRoute.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, stats]) => `${route} ${JSON.stringify(stats)}`);
  t.comment(`answers by route:\n${summary.join("\n")}`);
});

t.test("forged, stale, re-bodied and replayed webhooks", async (t) => {
  const booking = await pendingBooking(c, 0);
  await c.stripe.pay(booking.sessionId, { waitForDelivery: false });
  const body = stripeEventBody(c, "checkout.session.completed", booking.sessionId);
  const other = body.replace('"livemode":false', '"livemode":true');
  t.not(other, body);
  const before = await prisma.webhookDelivery.count();
  const cases: [string, string, string, string][] = [
    ["a signature with another secret", "stripe", body, `t=${now()},v1=${"ab".repeat(32)}`],
    ["a signature 301 s old", "stripe", body, stripeSignature(body, now() - 301)],
    ["a valid signature over a different body", "stripe", other, stripeSignature(body)],
    ["the right v1 under another t", "stripe", body, stripeSignature(body).replace(/^t=\d+/, `t=${now() - 5}`)],
    ["no signature", "stripe", body, ""],
    ["a Calendly signature 181 s old", "calendly", body, calendlySignature(body, now() - 181)],
    ["a Calendly signature from 10 minutes in the future", "calendly", body, calendlySignature(body, now() + 600)],
    ["Stripe's secret on the Calendly endpoint", "calendly", body, stripeSignature(body)],
  ];
  for (const [what, provider, payload, signature] of cases) {
    const res = await request(c.instances[1]!.url, {
      method: "POST",
      path: `/webhooks/${provider}`,
      headers: {
        "content-type": "application/json",
        ...(signature
          ? { [provider === "stripe" ? "stripe-signature" : "calendly-webhook-signature"]: signature }
          : {}),
      },
      body: payload,
    });
    t.equal(res.status, 400, `${what}: refused`);
    t.match(res.json(), { received: false, error: "signature_invalid" }, what);
  }
  t.equal(await prisma.webhookDelivery.count(), before + cases.length, "every rejection is in the webhook log");
  t.equal(await prisma.webhookEvent.count({ where: { providerEventId: JSON.parse(body).id } }), 0, "none processed");
  t.equal((await prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "PENDING_PAYMENT");

  // A captured delivery replayed verbatim (same header, same bytes), to either instance.
  const captured = stripeSignature(body);
  const first = await postWebhook(c.instances[0]!, "stripe", body, captured);
  t.match(first.json(), { received: true, outcome: "confirmed" });
  const replays = await Promise.all([0, 1, 0, 1].map((i) => postWebhook(c.instances[i]!, "stripe", body, captured)));
  t.ok(
    replays.every((r) => r.status === 200 && r.json().duplicate === true),
    "replays within the tolerance are acknowledged as duplicates",
  );
  t.equal(
    await prisma.bookingStatusChange.count({ where: { bookingId: booking.bookingId, to: "CONFIRMED" } }),
    1,
    "and change nothing",
  );
  const stale = await postWebhook(c.instances[1]!, "stripe", body, stripeSignature(body, now() - 3600));
  t.equal(stale.status, 400, "a replay an hour later is refused as stale");
  t.match(
    await prisma.webhookDelivery.findMany({ where: { providerEventId: JSON.parse(body).id } }),
    Array.from({ length: 5 }, () => ({ signature: "VALID" })),
    "each accepted delivery logged",
  );
  t.equal(apiCancellations(c, booking.eventUri).length, 0);
});

t.test("a client-supplied amount is refused or ignored: the price is the server's", async (t) => {
  for (const extra of [
    { amount: 1 },
    { price: { amount: 1, currency: "usd" } },
    { priceAmount: 1 },
    { currency: "jpy" },
  ]) {
    const attempt = await send({
      method: "POST",
      path: "/v1/booking-attempts",
      headers: c.siteHeaders,
      body: { builder: "liam", ...extra },
    });
    t.equal(attempt.status, 400, `attempt with ${Object.keys(extra)[0]}: refused`);
    t.match(attempt.json(), { error: "validation_error", message: /not an accepted field/ });
  }
  const attemptId = await startAttempt(c, 1);
  const slot = await scheduleSlot(c, attemptId);
  const withAmount = await send({
    method: "POST",
    path: "/v1/bookings",
    headers: c.siteHeaders,
    body: { attemptId, ...slot, amount: 100 },
  });
  t.equal(withAmount.status, 400, "a report with an amount: refused");
  const partnerAttempt = await send({
    method: "POST",
    path: "/v1/partner/booking-attempts",
    headers: { authorization: `Bearer ${partner.key}` },
    body: { builder: "liam", returnUrl: "https://partner.example/return", unit_amount: 1 },
  });
  t.equal(partnerAttempt.status, 400, "a partner attempt with an amount: refused");
  // Where no schema applies (the query string), an amount changes nothing.
  const res = await send({
    method: "POST",
    path: "/v1/bookings?amount=1&unit_amount=1&price=1",
    headers: c.siteHeaders,
    body: { attemptId, ...slot },
  });
  t.equal(res.status, 201, res.body);
  const created = res.json<{ bookingId: string; checkoutUrl: string }>();
  const session = c.stripe.getSession(created.checkoutUrl.split("/").pop()!)!;
  t.equal(session.amount_total, 15000, "Checkout charges the server-side price");
  const sent = c.stripe.requests.find(
    (r) => r.path === "/v1/checkout/sessions" && r.params.client_reference_id === created.bookingId,
  )!;
  t.match(sent.params, { line_items: [{ price_data: { unit_amount: "15000", currency: "usd" } }] });
});

t.test("open redirects through the return URL are refused", async (t) => {
  const refused = [
    "https://evil.example/book",
    "https://market.example.evil.example/book",
    "https://market.example@evil.example/book",
    "https://evil.example@market.example/book",
    "https://user:pass@market.example/book",
    "//evil.example/book",
    "/book",
    "javascript:alert(document.domain)//https://market.example/book",
    "data:text/html,<script>alert(1)</script>",
    "http://market.example/book",
    "https://market.example:8443/book",
    "https://market.example/bookmarks",
    "https://market.example/book/../../evil",
    "https://market.example/%2e%2e/evil",
    "https://market.example\\@evil.example/book",
    "https://mаrket.example/book", // Cyrillic "а"
    "https://market.example%2f@evil.example/book",
    "https:/\\evil.example/book",
  ];
  for (const returnUrl of refused) {
    const res = await send({
      method: "POST",
      path: "/v1/booking-attempts",
      headers: c.siteHeaders,
      body: { builder: "liam", returnUrl },
    });
    t.equal(res.status, 400, `${returnUrl}: refused (${res.body})`);
    t.match(res.json(), { error: "validation_error", field: "returnUrl" }, returnUrl);
  }
  const partnerRes = await send({
    method: "POST",
    path: "/v1/partner/booking-attempts",
    headers: { authorization: `Bearer ${partner.key}` },
    body: { builder: "liam", returnUrl: "https://market.example/book" },
  });
  t.equal(partnerRes.status, 400, "a partner cannot use a site's page either");

  // Property: whatever URL is offered, it is accepted only on the site's allowlisted page.
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.webPath().map((p) => `https://market.example${p}`),
        fc.webPath().map((p) => `https://market.example/book${p}`),
      ),
      async (returnUrl) => {
        const res = await send({
          method: "POST",
          path: "/v1/booking-attempts",
          headers: c.siteHeaders,
          body: { builder: "liam", returnUrl },
        });
        checkAnswer("POST /v1/booking-attempts (returnUrl)", res);
        if (res.status !== 201) return;
        accepted++;
        const u = new URL(returnUrl);
        if (u.origin !== "https://market.example" || !(u.pathname === "/book" || u.pathname.startsWith("/book/"))) {
          throw new Error(`accepted ${returnUrl}`);
        }
      },
    ),
    { numRuns: 150, seed: 7 },
  );
  t.ok(accepted > 0, `${accepted} allowlisted URLs accepted, every other one refused`);
});

t.test("a foreign origin is refused, and learns nothing", async (t) => {
  const booking = await pendingBooking(c, 0);
  const cases: [string, HttpRequest][] = [
    ["booking-config", { path: "/v1/builders/liam/booking-config" }],
    ["a new attempt", { method: "POST", path: "/v1/booking-attempts", body: { builder: "liam" } }],
    [
      "a booking report",
      {
        method: "POST",
        path: "/v1/bookings",
        body: { attemptId: booking.attemptId, eventUri: booking.eventUri, inviteeUri: booking.inviteeUri },
      },
    ],
  ];
  for (const origin of [
    "https://evil.example",
    "null",
    "https://market.example.evil.example",
    "http://market.example",
  ]) {
    for (const [what, req] of cases) {
      const res = await send({ ...req, headers: { "x-baw-site-key": testSite.publishableKey, origin } });
      t.equal(res.status, 403, `${what} from ${origin}`);
      t.match(res.json(), { statusCode: 403, error: "origin_not_allowed", message: /not allowed/ });
      t.notMatch(res.body, /checkout|cs_test|Liam|bookingId/, "no data in the answer");
    }
  }
  const preflight = await send({
    method: "OPTIONS",
    path: "/v1/partner/builders",
    headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
  });
  t.equal(preflight.headers["access-control-allow-origin"], undefined, "partner routes never answer CORS");
});

t.test(`rate limits hold across instances through Redis: ${RATE_LIMIT} allowed, then 429`, async (t) => {
  const client = freshClient();
  const statuses: number[] = [];
  let last: HttpResult | undefined;
  for (let i = 0; i <= RATE_LIMIT; i++) {
    last = await request(c.instances[2 + (i % 2)]!.url, {
      path: "/v1/builders/liam/booking-config",
      headers: c.siteHeaders,
      localAddress: client,
    });
    statuses.push(last.status);
  }
  t.same(statuses, [...Array(RATE_LIMIT).fill(200), 429], `alternating instances: ${statuses.join(",")}`);
  t.match(last!.json(), { statusCode: 429, error: "rate_limited", retryable: true, message: /retry after/ });
  const retryAfter = Number(last!.headers["retry-after"]);
  t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After: ${last!.headers["retry-after"]}`);
  const otherClient = await send({ path: "/v1/builders/liam/booking-config", headers: c.siteHeaders, via: 3 });
  t.equal(otherClient.status, 200, "another client is not limited");
  const webhook = await request(c.instances[2]!.url, {
    method: "POST",
    path: "/webhooks/stripe",
    headers: { "content-type": "application/json" },
    body: "{}",
    localAddress: client,
  });
  t.equal(webhook.status, 400, "webhooks are not rate limited (refused for their signature only)");
});

t.test("logs carry no PII or secrets", async (t) => {
  await c.close();
  const scan = scanLogs(c.logFiles);
  t.ok(scan.lines > 300, `${scan.lines} log lines in ${scan.files} files`);
  t.same(scan.findings.slice(0, 20), [], `no findings (${scan.findings.length})`);
});
