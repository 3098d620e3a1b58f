// The partner API over HTTP: authentication and scopes, builders, bookings with keyset
// pagination, attempts and bookings created against the sandbox, and the OpenAPI document.
import { randomUUID } from "node:crypto";
import { type Sandbox, startSandbox } from "@baw/sandbox";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import Fastify from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import t from "tap";
import { sandboxEventTypes } from "../src/cli/local-sandbox.js";
import { loadConfig } from "../src/config.js";
import type { PartnerBooking, PartnerBuilder } from "../src/contract/index.js";
import { type Database, openDatabase } from "../src/db/database.js";
import { liamCalendly, seedDatabase } from "../src/db/seed.js";
import { issuePartnerKey, revokePartnerKey } from "../src/domain/partner-keys.js";
import type { BookingStatus } from "../src/generated/prisma/client.js";
import type { ErrorBody } from "../src/lib/errors.js";
import database from "../src/plugins/database.js";
import errorHandler from "../src/plugins/error-handler.js";
import metrics from "../src/plugins/metrics.js";
import providers from "../src/plugins/providers.js";
import swagger from "../src/plugins/swagger.js";
import partnerRoutes from "../src/routes/partner.js";
import { assertLedger, settledLedger } from "./helpers/ledger.js";
import { migratedTemplate } from "./helpers/pglite-template.js";

let app: FastifyInstance;
let db: Database;
let sandbox: Sandbox;
const keys = {} as Record<"full" | "readOnly" | "revoked" | "other", { key: string; id: string; prefix: string }>;
const RETURN_URL = "https://partner.example/booked";

t.before(async () => {
  sandbox = await startSandbox({ stripe: {}, calendly: { eventTypes: sandboxEventTypes } });
  const config = loadConfig({
    ...sandbox.serviceEnv,
    PGLITE_DIR: "memory://",
    LOG_LEVEL: "silent",
    RATE_LIMIT_MAX: "100000",
  });
  db = await openDatabase(config.database, { loadDataDir: await migratedTemplate() });
  await seedDatabase(db.prisma);
  // The pieces the partner API needs, without under-pressure (whose event-loop limit trips on a
  // loaded CI machine) or the rest of the app.
  const fastify = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setSerializerCompiler(serializerCompiler);
  fastify.decorate("config", config);
  await fastify.register(errorHandler);
  await fastify.register(metrics);
  await fastify.register(database, { config, db });
  await fastify.register(providers, { config });
  await fastify.register(swagger);
  await fastify.register(partnerRoutes);
  await fastify.ready();
  app = fastify;
  const issue = async (name: keyof typeof keys, scopes: ("builders:read" | "bookings:read" | "bookings:write")[]) => {
    const { key, record } = await issuePartnerKey(db.prisma, { name, scopes, returnUrlAllowlist: [RETURN_URL] });
    keys[name] = { key, id: record.id, prefix: record.prefix };
  };
  await issue("full", ["builders:read", "bookings:read", "bookings:write"]);
  await issue("readOnly", ["builders:read"]);
  await issue("revoked", ["builders:read", "bookings:read", "bookings:write"]);
  await issue("other", ["bookings:write"]);
  await revokePartnerKey(db.prisma, keys.revoked.prefix);
});
t.teardown(async () => {
  const stripe = sandbox?.stripe;
  const ledger = stripe ? await settledLedger(db.prisma, stripe) : null;
  await app?.close();
  await sandbox?.close();
  await db?.close();
  assertLedger(ledger);
});

const auth = (name: keyof typeof keys) => ({ authorization: `Bearer ${keys[name].key}` });
const get = (url: string, name: keyof typeof keys = "full") => app.inject({ method: "GET", url, headers: auth(name) });
const errorOf = (res: LightMyRequestResponse) => res.json() as ErrorBody;
const pageOf = (res: LightMyRequestResponse) => res.json() as { data: PartnerBooking[]; nextCursor: string | null };
const bookingOf = (res: LightMyRequestResponse) => res.json() as PartnerBooking;
const bodyOf = (res: LightMyRequestResponse) => res.json() as Record<string, string | undefined>;

t.test("authentication and scopes", async (t) => {
  const full = keys.full.key;
  const wrongSecret = `${full.slice(0, 16)}${"A".repeat(43)}`;
  const cases: [string, Record<string, string>, string, number, string][] = [
    ["no header", {}, "/v1/partner/builders", 401, "partner_key_required"],
    ["basic auth", { authorization: "Basic dXNlcjpwYXNz" }, "/v1/partner/builders", 401, "partner_key_invalid"],
    ["malformed key", { authorization: "Bearer baw_sk_nope" }, "/v1/partner/builders", 401, "partner_key_invalid"],
    [
      "publishable key",
      { authorization: "Bearer pk_test_marketplace" },
      "/v1/partner/builders",
      401,
      "partner_key_invalid",
    ],
    ["wrong secret", { authorization: `Bearer ${wrongSecret}` }, "/v1/partner/builders", 401, "partner_key_invalid"],
    ["revoked", auth("revoked"), "/v1/partner/builders", 401, "partner_key_revoked"],
    ["missing scope", auth("readOnly"), "/v1/partner/bookings", 403, "scope_missing"],
    ["missing scope (other)", auth("other"), "/v1/partner/builders", 403, "scope_missing"],
  ];
  for (const [name, headers, url, status, code] of cases) {
    const res = await app.inject({ method: "GET", url, headers });
    t.equal(res.statusCode, status, `${name}: status`);
    t.equal(errorOf(res).error, code, `${name}: code`);
    if (status === 401) t.match(res.headers["www-authenticate"], /^Bearer /, `${name}: WWW-Authenticate`);
  }
  const scope = await get("/v1/partner/bookings", "readOnly");
  t.match(errorOf(scope).message, /"bookings:read"/, "403 names the missing scope");
  t.equal((await get("/v1/partner/builders", "readOnly")).statusCode, 200, "a key with the scope passes");

  // Authentication comes before input validation: strangers learn nothing about the body.
  const anon = await app.inject({ method: "POST", url: "/v1/partner/booking-attempts", payload: { nonsense: true } });
  t.equal(anon.statusCode, 401);
  const scopeless = await app.inject({
    method: "POST",
    url: "/v1/partner/booking-attempts",
    headers: auth("readOnly"),
    payload: { nonsense: true },
  });
  t.equal(scopeless.statusCode, 403);
  t.match(errorOf(scopeless).message, /"bookings:write"/);
  t.notOk(JSON.stringify([anon.body, scopeless.body]).includes(full.slice(16)), "the secret is never echoed");
});

t.test("lastUsedAt is recorded, but not on every request", async (t) => {
  const { key, record } = await issuePartnerKey(db.prisma, { name: "touch", scopes: ["builders:read"] });
  const headers = { authorization: `Bearer ${key}` };
  const lastUsed = async () => (await db.prisma.partnerKey.findUniqueOrThrow({ where: { id: record.id } })).lastUsedAt;
  t.equal(await lastUsed(), null);
  t.equal((await app.inject({ method: "GET", url: "/v1/partner/builders", headers })).statusCode, 200);
  const first = await lastUsed();
  t.ok(first, "set by the first request");
  for (let i = 0; i < 3; i++) await app.inject({ method: "GET", url: "/v1/partner/builders", headers });
  t.same(await lastUsed(), first, "unchanged by requests within the minute");
  const old = new Date(Date.now() - 5 * 60_000);
  await db.prisma.partnerKey.update({ where: { id: record.id }, data: { lastUsedAt: old } });
  await app.inject({ method: "GET", url: "/v1/partner/builders", headers });
  const after = await lastUsed();
  t.ok(after && after > old && after.getTime() > Date.now() - 10_000, "written again once a minute has passed");
});

t.test("builders: every builder with its state", async (t) => {
  await db.prisma.builder.create({
    data: {
      slug: "paused-builder",
      name: "Paused Builder",
      headline: "Not taking bookings",
      bookingEnabled: false,
      calendlyEventUrl: "https://calendly.com/paused/x",
      sessionTypes: { create: [{ name: "Chat", durationMinutes: 30, priceAmount: 5000, currency: "usd" }] },
    },
  });
  const res = await get("/v1/partner/builders");
  t.equal(res.statusCode, 200);
  const data = (res.json() as { data: PartnerBuilder[] }).data;
  const bySlug = new Map(data.map((b) => [b.slug, b]));
  t.equal(data.length, 7, "six seeded builders and the paused one");
  const liam = bySlug.get("liam");
  if (!liam) throw new Error("liam is not listed");
  t.match(liam, { name: "Liam", isDemo: false, state: "bookable" });
  t.notOk("reason" in liam, "a bookable builder has no reason");
  t.same(
    liam.sessionTypes.map((s) => [s.name, s.durationMinutes, s.price]),
    [["1:1 build session", 60, { amount: 15000, currency: "usd" }]],
  );
  t.match(liam.sessionTypes[0]?.id, /^[0-9a-f-]{36}$/);
  const demos = data.filter((b) => b.isDemo);
  t.equal(demos.length, 5);
  for (const demo of demos) {
    t.equal(demo.state, "demo", `${demo.slug} is a demo`);
    t.match(demo.reason, /demo profile/);
  }
  t.match(bySlug.get("paused-builder"), { state: "unavailable", reason: /not taking bookings/ });
  t.equal(data[0]?.slug, "liam", "real builders come first");
});

t.test("bookings: filters and keyset pagination", async (t) => {
  const liam = await db.prisma.builder.findUniqueOrThrow({ where: { slug: "liam" }, include: { sessionTypes: true } });
  const ada = await db.prisma.builder.findUniqueOrThrow({
    where: { slug: "ada-fernandez" },
    include: { sessionTypes: true },
  });
  const statuses: BookingStatus[] = ["PENDING_PAYMENT", "CONFIRMED", "CANCELLED", "EXPIRED"];
  const base = Date.parse("2031-05-01T00:00:00.000Z");
  const made: { id: string; createdAt: Date; status: BookingStatus; builderId: string; startTime: Date }[] = [];
  for (let i = 0; i < 34; i++) {
    const builder = i % 5 === 0 ? ada : liam;
    const id = randomUUID();
    // Groups of three share a creation time, so the id must break ties.
    const createdAt = new Date(base + Math.floor(i / 3) * 1000);
    const startTime = new Date(base + 86_400_000 * (i + 1));
    const status = statuses[i % statuses.length]!;
    await db.prisma.booking.create({
      data: {
        id,
        builderId: builder.id,
        sessionTypeId: builder.sessionTypes[0]!.id,
        calendlyEventUri: `https://api.calendly.com/scheduled_events/${id}`,
        calendlyInviteeUri: `https://api.calendly.com/scheduled_events/${id}/invitees/${id}`,
        inviteeName: `Invitee ${i}`,
        inviteeEmail: `invitee${i}@example.com`,
        startTime,
        endTime: new Date(startTime.getTime() + 3_600_000),
        status,
        accessTokenHash: "x",
        createdAt,
      },
    });
    made.push({ id, createdAt, status, builderId: builder.id, startTime });
  }
  const expected = [...made]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
    .map((b) => b.id);

  const all: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await get(`/v1/partner/bookings?limit=7${cursor ? `&cursor=${cursor}` : ""}`);
    t.equal(res.statusCode, 200, res.body);
    const body = pageOf(res);
    t.ok(body.data.length <= 7);
    all.push(...body.data.map((b) => b.id));
    cursor = body.nextCursor;
    pages++;
  } while (cursor && pages < 20);
  t.equal(pages, 5, "34 bookings in pages of 7");
  t.same(all, expected, "every booking once, newest first, ties broken by id");
  t.equal(new Set(all).size, 34, "no duplicates");

  const first = pageOf(await get("/v1/partner/bookings"));
  t.equal(first.data.length, 25, "default limit 25");
  t.match(first.data[0], {
    id: expected[0],
    builder: { slug: /.+/, name: /.+/ },
    sessionType: { name: /.+/, durationMinutes: Number },
    inviteeEmail: /@example\.com$/,
    price: { amount: Number, currency: /^[a-z]{3}$/ },
    amountPaid: { amount: 0, currency: /^[a-z]{3}$/ },
    history: [],
    payments: [],
  });
  t.match(first.data[0]?.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const confirmed = pageOf(await get("/v1/partner/bookings?status=CONFIRMED&limit=100")).data;
  t.same(
    confirmed.map((b) => b.id).sort(),
    made
      .filter((b) => b.status === "CONFIRMED")
      .map((b) => b.id)
      .sort(),
  );
  const two = pageOf(await get("/v1/partner/bookings?status=CONFIRMED,cancelled&limit=100")).data;
  t.equal(two.length, made.filter((b) => b.status === "CONFIRMED" || b.status === "CANCELLED").length);
  t.ok(two.every((b) => b.status === "CONFIRMED" || b.status === "CANCELLED"));

  for (const ref of ["ada-fernandez", ada.id]) {
    const adas = pageOf(await get(`/v1/partner/bookings?builder=${ref}&limit=100`)).data;
    t.equal(adas.length, made.filter((b) => b.builderId === ada.id).length, `builder=${ref}`);
    t.ok(adas.every((b) => b.builder.id === ada.id));
  }

  const from = made[10]!.startTime.toISOString();
  const to = made[20]!.startTime.toISOString();
  const window = pageOf(await get(`/v1/partner/bookings?from=${from}&to=${to}&limit=100`)).data;
  t.same(
    window.map((b) => b.id).sort(),
    made
      .slice(10, 20)
      .map((b) => b.id)
      .sort(),
    "from inclusive, to exclusive",
  );

  const filteredPage = pageOf(await get(`/v1/partner/bookings?status=PENDING_PAYMENT&limit=3`));
  const filteredNext = pageOf(
    await get(`/v1/partner/bookings?status=PENDING_PAYMENT&limit=100&cursor=${filteredPage.nextCursor}`),
  );
  t.equal(
    filteredPage.data.length + filteredNext.data.length,
    made.filter((b) => b.status === "PENDING_PAYMENT").length,
  );
  t.equal(filteredNext.nextCursor, null, "the last page has no cursor");

  const bad: [string, string][] = [
    ["cursor=not-a-cursor!", "cursor"],
    [`cursor=${Buffer.from('{"createdAt":"yesterday","id":"x"}').toString("base64url")}`, "cursor"],
    [`cursor=${Buffer.from("[1,2]").toString("base64url")}`, "cursor"],
    ["cursor=AAAA", "cursor"],
    ["status=PAID", "status"],
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["from=yesterday", "from"],
    ["statuses=CONFIRMED", "statuses"],
  ];
  for (const [query, field] of bad) {
    const res = await get(`/v1/partner/bookings?${query}`);
    t.equal(res.statusCode, 400, `${query} → 400`);
    t.equal(errorOf(res).field, field, `${query} names ${field}`);
  }
  const unknown = await get("/v1/partner/bookings?builder=nobody");
  t.equal(unknown.statusCode, 404);
  t.equal(errorOf(unknown).error, "builder_not_found");
});

t.test("one booking with its history and payments", async (t) => {
  const liam = await db.prisma.builder.findUniqueOrThrow({ where: { slug: "liam" }, include: { sessionTypes: true } });
  const id = randomUUID();
  const start = new Date("2031-09-01T15:00:00.000Z");
  await db.prisma.booking.create({
    data: {
      id,
      builderId: liam.id,
      sessionTypeId: liam.sessionTypes[0]!.id,
      calendlyEventUri: `https://api.calendly.com/scheduled_events/${id}`,
      calendlyInviteeUri: `https://api.calendly.com/scheduled_events/${id}/invitees/${id}`,
      inviteeName: "Grace Hopper",
      inviteeEmail: "grace@example.com",
      startTime: start,
      endTime: new Date(start.getTime() + 3_600_000),
      status: "CONFIRMED",
      accessTokenHash: "x",
      history: {
        create: [
          { from: null, to: "PENDING_PAYMENT", cause: "scheduled", createdAt: new Date("2031-08-01T10:00:00.000Z") },
          { from: "PENDING_PAYMENT", to: "CONFIRMED", cause: "paid", createdAt: new Date("2031-08-01T10:05:00.000Z") },
        ],
      },
      payments: {
        create: [
          {
            idempotencyKey: `pay_${id}`,
            amount: 15000,
            amountCaptured: 15000,
            currency: "usd",
            status: "PAID",
            checkoutSessionId: `cs_test_${id}`,
          },
        ],
      },
    },
  });
  const res = await get(`/v1/partner/bookings/${id}`);
  t.equal(res.statusCode, 200, res.body);
  t.match(bookingOf(res), {
    id,
    status: "CONFIRMED",
    builder: { id: liam.id, slug: "liam", name: "Liam" },
    sessionType: { id: liam.sessionTypes[0]!.id, name: "1:1 build session", durationMinutes: 60 },
    startTime: "2031-09-01T15:00:00.000Z",
    endTime: "2031-09-01T16:00:00.000Z",
    inviteeName: "Grace Hopper",
    inviteeEmail: "grace@example.com",
    price: { amount: 15000, currency: "usd" },
    amountPaid: { amount: 15000, currency: "usd" },
    amountRefunded: { amount: 0, currency: "usd" },
    holdExpiresAt: null,
  });
  t.same(bookingOf(res).history, [
    { from: null, to: "PENDING_PAYMENT", cause: "scheduled", at: "2031-08-01T10:00:00.000Z" },
    { from: "PENDING_PAYMENT", to: "CONFIRMED", cause: "paid", at: "2031-08-01T10:05:00.000Z" },
  ]);
  t.match(bookingOf(res).payments, [
    { status: "PAID", amount: 15000, currency: "usd", amountRefunded: 0, checkoutSessionId: `cs_test_${id}` },
  ]);

  const missing = await get(`/v1/partner/bookings/${randomUUID()}`);
  t.equal(missing.statusCode, 404);
  t.equal(errorOf(missing).error, "booking_not_found");
  const notUuid = await get("/v1/partner/bookings/abc");
  t.equal(notUuid.statusCode, 400);
  t.equal(errorOf(notUuid).field, "id");
  // Written straight to the database, with no money at the fake Stripe: gone before the ledger check.
  await db.prisma.payment.deleteMany({ where: { bookingId: id } });
  await db.prisma.booking.delete({ where: { id } });
});

t.test("attempts and bookings through the sandbox", async (t) => {
  const post = (url: string, payload: unknown, name: keyof typeof keys = "full") =>
    app.inject({ method: "POST", url, headers: auth(name), payload: payload as Record<string, unknown> });

  const foreign = await post("/v1/partner/booking-attempts", {
    builder: "liam",
    returnUrl: "https://evil.example/booked",
  });
  t.equal(foreign.statusCode, 400);
  t.equal(errorOf(foreign).field, "returnUrl");
  const demo = await post("/v1/partner/booking-attempts", { builder: "ada-fernandez", returnUrl: RETURN_URL });
  t.equal(demo.statusCode, 409);
  t.equal(errorOf(demo).error, "builder_is_demo");
  const badEmail = await post("/v1/partner/booking-attempts", {
    builder: "liam",
    returnUrl: RETURN_URL,
    customer: { id: "c1", email: "not-an-email" },
  });
  t.equal(badEmail.statusCode, 400);
  t.match(errorOf(badEmail).field, /customer\.email/);
  const extra = await post("/v1/partner/booking-attempts", { builder: "liam", returnUrl: RETURN_URL, price: 1 });
  t.equal(extra.statusCode, 400, "unknown fields are refused");
  t.equal(errorOf(extra).field, "price");

  const res = await post("/v1/partner/booking-attempts", {
    builder: "liam",
    returnUrl: `${RETURN_URL}?order=42`,
    customer: { id: "cust-1", email: "ada@example.com", name: "Ada Lovelace" },
  });
  t.equal(res.statusCode, 201, res.body);
  const attempt = res.json() as { attemptId: string; calendlyUrl: string; expiresAt: string };
  t.match(attempt.attemptId, /^att_/);
  const calendlyUrl = new URL(attempt.calendlyUrl);
  t.equal(calendlyUrl.searchParams.get("utm_content"), attempt.attemptId);
  t.ok(Date.parse(attempt.expiresAt) > Date.now());
  const row = await db.prisma.bookingAttempt.findUniqueOrThrow({ where: { id: attempt.attemptId } });
  t.match(row, {
    partnerKeyId: keys.full.id,
    siteId: null,
    returnUrl: `${RETURN_URL}?order=42`,
    customerRef: "cust-1",
  });

  const calendly = sandbox.calendly;
  t.ok(calendly, "the sandbox Calendly runs");
  if (!calendly) return;
  const scheduled = await calendly.schedule({
    eventTypeUuid: liamCalendly.eventTypeUuid,
    name: "Ada Lovelace",
    email: "ada@example.com",
    utmContent: attempt.attemptId,
  });
  const body = { attemptId: attempt.attemptId, ...scheduled };

  const stranger = await post("/v1/partner/bookings", body, "other");
  t.equal(stranger.statusCode, 404, "another partner cannot use this attempt");
  t.equal(errorOf(stranger).error, "attempt_not_found");

  const created = await post("/v1/partner/bookings", body);
  t.equal(created.statusCode, 201, created.body);
  const booking = bodyOf(created);
  t.match(booking, {
    bookingId: /^[0-9a-f-]{36}$/,
    bookingToken: /^bt_/,
    status: "PENDING_PAYMENT",
    checkoutUrl: /^http/,
  });
  const repeated = await post("/v1/partner/bookings", body);
  t.equal(repeated.statusCode, 200, "a repeated call answers 200");
  t.equal(bodyOf(repeated).bookingId, booking.bookingId);
  t.equal(bodyOf(repeated).checkoutUrl, booking.checkoutUrl, "and the same checkout");

  const read = bookingOf(await get(`/v1/partner/bookings/${booking.bookingId}`));
  t.match(read, {
    status: "PENDING_PAYMENT",
    inviteeEmail: "ada@example.com",
    price: { amount: 15000, currency: "usd" },
  });
  t.match(read.history, [{ from: null, to: "PENDING_PAYMENT" }]);
  t.match(read.payments, [{ status: "OPEN", amount: 15000, checkoutSessionId: /^cs_/ }]);
  t.ok(read.holdExpiresAt);
});

t.test("OpenAPI documents every partner route with its security requirement", async (t) => {
  const res = await app.inject({ method: "GET", url: "/docs/json" });
  t.equal(res.statusCode, 200);
  // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked loosely
  const doc = res.json() as any;
  const routes: [string, string][] = [
    ["/v1/partner/builders", "get"],
    ["/v1/partner/bookings", "get"],
    ["/v1/partner/bookings/{id}", "get"],
    ["/v1/partner/booking-attempts", "post"],
    ["/v1/partner/bookings", "post"],
  ];
  for (const [path, method] of routes) {
    const op = doc.paths?.[path]?.[method];
    t.ok(op, `${method.toUpperCase()} ${path} is documented`);
    t.same(op?.security, [{ partnerKey: [] }], `${method.toUpperCase()} ${path} requires a partner key`);
    t.same(op?.tags, ["partner"]);
    const media = (op?.responses?.["201"] ?? op?.responses?.["200"])?.content?.["application/json"];
    t.ok(media?.example ?? media?.examples, `${method.toUpperCase()} ${path} shows an example response`);
  }
  t.same(doc.components?.securitySchemes?.partnerKey, { type: "http", scheme: "bearer" });
});
