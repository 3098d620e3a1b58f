// The catalogue as data: builders and session types created and edited through the partner API
// (scope builders:write), refused input named by field, and the demo seed that writes only into
// an empty catalogue.
import { type Sandbox, startSandbox } from "@baw/sandbox";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import Fastify from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import t from "tap";
import { sandboxEventTypes } from "../src/cli/local-sandbox.js";
import { loadConfig } from "../src/config.js";
import { type Database, openDatabase } from "../src/db/database.js";
import { builderSeeds, seedDemoBuilders, seedDemoIfEmpty } from "../src/db/seed.js";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import type { ErrorBody } from "../src/lib/errors.js";
import database from "../src/plugins/database.js";
import errorHandler from "../src/plugins/error-handler.js";
import metrics from "../src/plugins/metrics.js";
import providers from "../src/plugins/providers.js";
import swagger from "../src/plugins/swagger.js";
import partnerRoutes, { type PartnerBuilder } from "../src/routes/partner.js";
import { migratedTemplate } from "./helpers/pglite-template.js";

let app: FastifyInstance;
let db: Database;
let sandbox: Sandbox;
let writer = "";
let reader = "";

t.before(async () => {
  sandbox = await startSandbox({ stripe: {}, calendly: { eventTypes: sandboxEventTypes } });
  const config = loadConfig({
    ...sandbox.serviceEnv,
    PGLITE_DIR: "memory://",
    LOG_LEVEL: "silent",
    RATE_LIMIT_MAX: "100000",
  });
  db = await openDatabase(config.database, { loadDataDir: await migratedTemplate() });
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
  writer = (await issuePartnerKey(db.prisma, { name: "writer", scopes: ["builders:read", "builders:write"] })).key;
  reader = (await issuePartnerKey(db.prisma, { name: "reader", scopes: ["builders:read"] })).key;
});
t.teardown(async () => {
  await app?.close();
  await db?.close();
  await sandbox?.close();
});

const send = (method: "GET" | "POST" | "PATCH", url: string, payload?: unknown, key = writer) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
const errorOf = (res: LightMyRequestResponse) => res.json() as ErrorBody;
const builderOf = (res: LightMyRequestResponse) => res.json() as PartnerBuilder;

t.test("a fresh database has no catalogue: nothing is seeded behind the caller's back", async (t) => {
  const res = await send("GET", "/v1/partner/builders");
  t.equal(res.statusCode, 200);
  t.same(res.json(), { data: [] });
});

t.test("a builder is created, priced, edited and deactivated through the API", async (t) => {
  const created = await send("POST", "/v1/partner/builders", {
    slug: "ada-lovelace",
    name: "Ada Lovelace",
    headline: "Analytical engines",
    calendlyEventUrl: "https://calendly.com/ada/review",
  });
  t.equal(created.statusCode, 201, created.body);
  const ada = builderOf(created);
  t.match(ada, {
    slug: "ada-lovelace",
    name: "Ada Lovelace",
    active: true,
    refundPolicy: "FULL",
    refundCutoffHours: null,
    state: "unavailable",
    reason: "Ada Lovelace has no session types on offer.",
    sessionTypes: [],
  });

  const added = await send("POST", "/v1/partner/builders/ada-lovelace/session-types", {
    name: "Architecture review",
    durationMinutes: 45,
    price: { amount: 12500, currency: "EUR" },
  });
  t.equal(added.statusCode, 201, added.body);
  const review = added.json() as PartnerBuilder["sessionTypes"][number];
  t.same(review.price, { amount: 12500, currency: "eur" }, "the currency is stored lower case, as Stripe uses it");

  const listed = (await send("GET", "/v1/partner/builders", undefined, reader)).json() as { data: PartnerBuilder[] };
  const row = listed.data.find((b) => b.id === ada.id);
  t.equal(row?.state, "bookable", "a Calendly event and an active session type make it bookable");
  const stored = await db.prisma.sessionType.findUniqueOrThrow({ where: { id: review.id } });
  t.equal(stored.priceAmount, 12500, "the price is stored as an amount in minor units");

  const repriced = await send("PATCH", `/v1/partner/builders/${ada.id}/session-types/${review.id}`, {
    price: { amount: 9900, currency: "usd" },
  });
  t.equal(repriced.statusCode, 200, repriced.body);
  t.same((repriced.json() as { price: unknown }).price, { amount: 9900, currency: "usd" });

  const policy = await send("PATCH", "/v1/partner/builders/ada-lovelace", {
    refundPolicy: "CUTOFF",
    refundCutoffHours: 48,
    headline: "Engines and programs",
  });
  t.equal(policy.statusCode, 200, policy.body);
  t.match(builderOf(policy), { refundPolicy: "CUTOFF", refundCutoffHours: 48, headline: "Engines and programs" });
  t.equal(builderOf(policy).name, "Ada Lovelace", "fields not sent are kept");

  const off = await send("PATCH", `/v1/partner/builders/ada-lovelace/session-types/${review.id}`, { active: false });
  t.equal((off.json() as { active: boolean }).active, false);
  const noSessions = builderOf(await send("GET", "/v1/partner/builders/ada-lovelace"));
  t.equal(noSessions.state, "unavailable", "no active session type: not bookable");
  t.equal(noSessions.sessionTypes.length, 1, "the inactive session type is still listed");
  await send("PATCH", `/v1/partner/builders/ada-lovelace/session-types/${review.id}`, { active: true });

  t.equal(builderOf(policy).bookingFlow, null, "each embedding site chooses the flow by default");
  const payFirst = await send("PATCH", "/v1/partner/builders/ada-lovelace", { bookingFlow: "pay-first" });
  t.equal(builderOf(payFirst).bookingFlow, "pay-first", "the builder chooses pay-first");
  t.equal((await db.prisma.builder.findUniqueOrThrow({ where: { slug: "ada-lovelace" } })).bookingFlow, "PAY_FIRST");
  const siteChooses = await send("PATCH", "/v1/partner/builders/ada-lovelace", { bookingFlow: null });
  t.equal(builderOf(siteChooses).bookingFlow, null, "null hands the choice back to the sites");

  const deactivated = builderOf(await send("PATCH", "/v1/partner/builders/ada-lovelace", { active: false }));
  t.match(deactivated, { active: false, state: "unavailable", reason: /not taking bookings/ });
  const back = builderOf(await send("PATCH", "/v1/partner/builders/ada-lovelace", { active: true }));
  t.equal(back.state, "bookable");
});

t.test("a new event URL forgets the Calendly URIs stored for the old one", async (t) => {
  const builder = await db.prisma.builder.update({
    where: { slug: "ada-lovelace" },
    data: {
      calendlyUserUri: "https://api.calendly.com/users/u1",
      calendlyEventTypeUri: "https://api.calendly.com/event_types/e1",
    },
  });
  const res = await send("PATCH", `/v1/partner/builders/${builder.id}`, {
    calendlyEventUrl: "https://calendly.com/ada/other",
  });
  t.equal(res.statusCode, 200, res.body);
  const after = await db.prisma.builder.findUniqueOrThrow({ where: { id: builder.id } });
  t.equal(after.calendlyEventUrl, "https://calendly.com/ada/other");
  t.equal(after.calendlyUserUri, null);
  t.equal(after.calendlyEventTypeUri, null);
});

t.test("writing needs builders:write", async (t) => {
  const res = await send("POST", "/v1/partner/builders", { slug: "x", name: "X" }, reader);
  t.equal(res.statusCode, 403);
  t.equal(await db.prisma.builder.count({ where: { slug: "x" } }), 0);
});

t.test("bad input is a 400 naming the field, and writes nothing", async (t) => {
  const before = await db.prisma.builder.count();
  const cases: [string, "POST" | "PATCH", string, unknown, string][] = [
    ["slug with spaces", "POST", "/v1/partner/builders", { slug: "Ada L", name: "A" }, "slug"],
    [
      "slug shaped like an id",
      "POST",
      "/v1/partner/builders",
      { slug: "0b8f6c1e-4d2a-4f8e-9c3b-5a7d1e2f3a4b", name: "A" },
      "slug",
    ],
    ["no name", "POST", "/v1/partner/builders", { slug: "no-name" }, "name"],
    [
      "unknown flow",
      "POST",
      "/v1/partner/builders",
      { slug: "flow", name: "F", bookingFlow: "pay-later" },
      "bookingFlow",
    ],
    ["blank name", "POST", "/v1/partner/builders", { slug: "blank", name: "  " }, "name"],
    ["NUL in the bio", "POST", "/v1/partner/builders", { slug: "nul", name: "N", bio: "a\u0000b" }, "bio"],
    [
      "ftp event URL",
      "POST",
      "/v1/partner/builders",
      { slug: "ftp", name: "F", calendlyEventUrl: "ftp://x.example/e" },
      "calendlyEventUrl",
    ],
    ["unknown policy", "PATCH", "/v1/partner/builders/ada-lovelace", { refundPolicy: "SOMETIMES" }, "refundPolicy"],
    ["negative cutoff", "PATCH", "/v1/partner/builders/ada-lovelace", { refundCutoffHours: -1 }, "refundCutoffHours"],
    ["unknown field", "PATCH", "/v1/partner/builders/ada-lovelace", { isDemo: true }, "isDemo"],
    [
      "fractional price",
      "POST",
      "/v1/partner/builders/ada-lovelace/session-types",
      { name: "S", durationMinutes: 30, price: { amount: 10.5, currency: "usd" } },
      "price.amount",
    ],
    [
      "negative price",
      "POST",
      "/v1/partner/builders/ada-lovelace/session-types",
      { name: "S", durationMinutes: 30, price: { amount: -100, currency: "usd" } },
      "price.amount",
    ],
    [
      "unknown currency",
      "POST",
      "/v1/partner/builders/ada-lovelace/session-types",
      { name: "S", durationMinutes: 30, price: { amount: 100, currency: "xxy" } },
      "price.currency",
    ],
    [
      "no duration",
      "POST",
      "/v1/partner/builders/ada-lovelace/session-types",
      { name: "S", price: { amount: 100, currency: "usd" } },
      "durationMinutes",
    ],
  ];
  const sessionTypesBefore = await db.prisma.sessionType.count();
  for (const [label, method, url, payload, field] of cases) {
    const res = await send(method, url, payload);
    t.equal(res.statusCode, 400, `${label}: 400`);
    t.equal(errorOf(res).field, field, `${label}: names ${field}`);
  }
  t.equal(await db.prisma.builder.count(), before, "no builder was written");
  t.equal(await db.prisma.sessionType.count(), sessionTypesBefore, "no session type was written");
  const ada = await db.prisma.builder.findUniqueOrThrow({ where: { slug: "ada-lovelace" } });
  t.equal(ada.refundPolicy, "CUTOFF", "a refused update changes nothing");
});

t.test("conflicts and unknown references", async (t) => {
  const taken = await send("POST", "/v1/partner/builders", { slug: "ada-lovelace", name: "Another Ada" });
  t.equal(taken.statusCode, 409);
  t.match(errorOf(taken), { error: "builder_slug_taken", field: "slug" });
  t.equal(await db.prisma.builder.count({ where: { name: "Another Ada" } }), 0);

  await send("POST", "/v1/partner/builders", { slug: "grace", name: "Grace" });
  const rename = await send("PATCH", "/v1/partner/builders/grace", { slug: "ada-lovelace" });
  t.equal(rename.statusCode, 409);
  t.equal(errorOf(rename).field, "slug");

  const missing = await send("PATCH", "/v1/partner/builders/nobody", { name: "N" });
  t.equal(missing.statusCode, 404);
  t.equal(errorOf(missing).field, undefined);
  t.match(errorOf(missing).message, /builder: no builder "nobody"/);

  const otherType = await send("POST", "/v1/partner/builders/grace/session-types", {
    name: "Hello",
    durationMinutes: 30,
    price: { amount: 0, currency: "usd" },
  });
  t.equal(otherType.statusCode, 201, "a free session type is allowed");
  const id = (otherType.json() as { id: string }).id;
  const foreign = await send("PATCH", `/v1/partner/builders/ada-lovelace/session-types/${id}`, { name: "Stolen" });
  t.equal(foreign.statusCode, 404, "another builder's session type is not found through this builder");
  t.equal((await db.prisma.sessionType.findUniqueOrThrow({ where: { id } })).name, "Hello");
});

t.test("the OpenAPI document describes the write routes with examples", async (t) => {
  const doc = (await app.inject({ method: "GET", url: "/docs/json" })).json() as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, Record<string, unknown>> } }>>;
  };
  for (const [path, method] of [
    ["/v1/partner/builders", "post"],
    ["/v1/partner/builders/{builder}", "patch"],
    ["/v1/partner/builders/{builder}/session-types", "post"],
    ["/v1/partner/builders/{builder}/session-types/{sessionTypeId}", "patch"],
  ] as const) {
    const op = doc.paths[path]?.[method];
    t.ok(op, `${method.toUpperCase()} ${path} is documented`);
    const media = op?.requestBody?.content["application/json"];
    t.ok(media?.example ?? media?.examples, `${path} has a request example`);
  }
});

t.test("the demo seed writes only into an empty catalogue; seed-demo rewrites on purpose", async (t) => {
  const fresh = await openDatabase({ kind: "pglite", dir: "memory://" }, { loadDataDir: await migratedTemplate() });
  t.teardown(() => fresh.close());
  t.equal(await seedDemoIfEmpty(fresh.prisma), true, "an empty catalogue is seeded");
  t.equal(await fresh.prisma.builder.count(), builderSeeds.length);
  const liam = await fresh.prisma.builder.update({ where: { slug: "liam" }, data: { headline: "Edited" } });
  await fresh.prisma.sessionType.updateMany({ where: { builderId: liam.id }, data: { priceAmount: 20000 } });

  t.equal(await seedDemoIfEmpty(fresh.prisma), false, "a second start seeds nothing");
  const kept = await fresh.prisma.builder.findUniqueOrThrow({
    where: { slug: "liam" },
    include: { sessionTypes: true },
  });
  t.equal(kept.headline, "Edited", "the edit survives");
  t.equal(kept.sessionTypes[0]?.priceAmount, 20000, "the repriced session survives");

  await seedDemoBuilders(fresh.prisma);
  const reset = await fresh.prisma.builder.findUniqueOrThrow({
    where: { slug: "liam" },
    include: { sessionTypes: true },
  });
  t.not(reset.headline, "Edited", "seed-demo resets the demo's profiles");
  t.equal(reset.sessionTypes[0]?.priceAmount, builderSeeds[0]!.sessionTypes[0]!.priceAmount);
});
