// Log censoring: sensitive keys never reach a line, and clean objects pass through uncopied.
import { Writable } from "node:stream";
import pino from "pino";
import t from "tap";
import { censor, loggerOptions, requestLogLevel, SLOW_READ_MS, scrub } from "../src/logging.js";
import { buildTestApp } from "./helpers/app.js";
import { migratedTemplate } from "./helpers/pglite-template.js";

t.test("censor replaces sensitive keys at any depth and copies only what it changes", async (t) => {
  const clean = { method: "GET", url: "/v1/builders/:idOrSlug/booking-config", statusCode: 200, ms: 1 };
  t.equal(censor(clean), clean, "an object without sensitive keys is returned as it is");

  const logged = {
    bookingId: "b1",
    email: "top@example.org",
    booking: { inviteeName: "Ada", inviteeEmail: "ada@example.org", status: "CONFIRMED" },
    attempts: [{ customerToken: "eyJ…", at: 1 }, { at: 2 }],
    headers: { authorization: "Bearer baw_sk_abc", "stripe-signature": "t=1,v1=ff", accept: "*/*" },
  };
  const before = structuredClone(logged);
  const out = censor(logged);
  t.same(
    out,
    {
      bookingId: "b1",
      email: "[redacted]",
      booking: { inviteeName: "[redacted]", inviteeEmail: "[redacted]", status: "CONFIRMED" },
      attempts: [{ customerToken: "[redacted]", at: 1 }, { at: 2 }],
      headers: { authorization: "[redacted]", "stripe-signature": "[redacted]", accept: "*/*" },
    },
    "top-level, nested and in-array keys are censored",
  );
  t.same(logged, before, "the caller's object is not modified");
  t.equal(out.attempts[1], logged.attempts[1], "untouched branches are shared, not copied");
});

t.test("OAuth tokens and client secrets: censored by key, scrubbed by shape in free text", async (t) => {
  const logged = censor({
    connection: { accessToken: "a1", refreshToken: "r1", codeVerifier: "v1" },
    body: { access_token: "a2", refresh_token: "r2", client_secret: "s2", code_verifier: "v2" },
    clientSecret: "s1",
  });
  t.notMatch(JSON.stringify(logged), /"(a|r|v|s)[12]"/, "no value survives");
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLXZhbHVl";
  t.equal(scrub(`Calendly refused ${jwt} today`), "Calendly refused [secret] today");
});

t.test("censor leaves class instances to their serializers and cuts runaway depth", async (t) => {
  const err = Object.assign(new Error("boom"), { email: "e@example.org" });
  t.equal(censor({ err }).err, err, "an Error is left to the err serializer");
  let deep: Record<string, unknown> = { email: "deep@example.org" };
  for (let i = 0; i < 10; i++) deep = { next: deep };
  t.notMatch(JSON.stringify(censor(deep)), /deep@example/, "nothing below the depth limit is written");
});

t.test("the service's logger writes censored, scrubbed lines", async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = pino(loggerOptions("info"), stream);
  log.info({ booking: { inviteeEmail: "ada@example.org", id: "b1" } }, "booking for ada@example.org");
  log.error({ err: new Error("Stripe said sk_test_123abc is invalid") }, "failed");
  await new Promise((r) => setImmediate(r));
  const [first, second] = lines.map((l) => JSON.parse(l));
  t.equal(first.booking.inviteeEmail, "[redacted]");
  t.equal(first.booking.id, "b1");
  t.equal(first.msg, "booking for [email]", "emails in messages are scrubbed");
  t.equal(second.err.message, "Stripe said [secret] is invalid", "secrets in errors are scrubbed");
});

t.test("database errors lose the values they quote: names as well as e-mails", async (t) => {
  const name = "Vesper Quillfeather";
  // What Prisma throws for a refused call: a code frame printing the arguments, then the reason.
  const prisma = [
    "",
    "Invalid `prisma.booking.create()` invocation in",
    "/srv/service/src/domain/bookings.ts:120:5",
    "",
    "  119 const booking = await tx.booking.create({",
    "→ 120   data: {",
    `          inviteeName: "${name}",`,
    '          inviteeEmail: "vesper@guests.example",',
    "      +   calendlyEventUri: String",
    "        }",
    "      })",
    "",
    "Argument `calendlyEventUri` is missing.",
  ].join("\n");
  t.equal(scrub(prisma), "Invalid `prisma.booking.create()` invocation: Argument `calendlyEventUri` is missing.");
  const stack = scrub(`PrismaClientValidationError: ${prisma}\n    at create (bookings.ts:120:5)`);
  t.equal(
    stack,
    "PrismaClientValidationError: Invalid `prisma.booking.create()` invocation: Argument `calendlyEventUri` is missing.\n    at create (bookings.ts:120:5)",
  );
  const cases: [string, string][] = [
    [
      `new row for relation "Booking" violates check constraint "c" Failing row contains (b1, ${name} (guest), 2026-01-01).`,
      'new row for relation "Booking" violates check constraint "c" Failing row contains ([row]).',
    ],
    [
      `duplicate key value violates unique constraint "k" Key ("inviteeName")=(${name}) already exists.`,
      'duplicate key value violates unique constraint "k" Key ("inviteeName")=([values]) already exists.',
    ],
    [`invalid input syntax for type uuid: "${name}"`, 'invalid input syntax for type uuid: "[value]"'],
    [`{"customerName":"${name}","id":"c1"}`, '{"customerName":"[redacted]","id":"c1"}'],
    [`customer: { name: '${name}' }`, `customer: { name: "[redacted]" }`],
  ];
  for (const [text, expected] of cases) t.equal(scrub(text), expected);
});

t.test("a real database error about an invitee is logged without the invitee", async (t) => {
  const { openDatabase } = await import("../src/db/database.js");
  const db = await openDatabase({ kind: "pglite", dir: "memory://" }, { loadDataDir: await migratedTemplate() });
  t.teardown(() => db.close());
  const error = await db.prisma.booking
    // Missing required fields: Prisma refuses the call and prints its arguments in the message.
    .create({ data: { inviteeName: "Vesper Quillfeather", inviteeEmail: "vesper@guests.example" } as never })
    .then(
      () => new Error("created"),
      (e: unknown) => e as Error,
    );
  t.match(error.message, /Vesper Quillfeather/, "the driver's message quotes the name");
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  pino(loggerOptions("info"), stream).error({ err: error }, "booking failed");
  await new Promise((r) => setImmediate(r));
  t.notMatch(lines.join(""), /Quillfeather|guests\.example/, "neither the name nor the e-mail is written");
  t.match(JSON.parse(lines[0]!).err.message, /^Invalid `[^`]+` invocation: Argument `\w+` is missing/);
});

t.test("prompt successful reads are logged at debug; everything else at info", async (t) => {
  t.equal(requestLogLevel("GET", 200, 3), "debug");
  t.equal(requestLogLevel("GET", 304, 3), "debug", "a revalidation");
  t.equal(requestLogLevel("OPTIONS", 204, 1), "debug", "a preflight");
  t.equal(requestLogLevel("GET", 404, 3), "info", "a read that failed");
  t.equal(requestLogLevel("GET", 200, SLOW_READ_MS), "info", "a slow read");
  t.equal(requestLogLevel("POST", 201, 3), "info", "a write");
  t.equal(requestLogLevel("POST", 200, 3), "info", "a webhook");
});

t.test("one request line each, at its level, through the app", async (t) => {
  for (const level of ["info", "debug"] as const) {
    const lines: Record<string, unknown>[] = [];
    const h = await buildTestApp({
      logger: { level, stream: { write: (l: string) => void lines.push(JSON.parse(l)) } },
    });
    await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
    await h.app.inject({ url: "/v1/builders/nobody/booking-config", headers: h.siteHeaders });
    await h.app.inject({ method: "POST", url: "/v1/booking-attempts", headers: h.siteHeaders, payload: {} });
    await h.close();
    const requests = lines.filter((l) => l.msg === "request").map((l) => `${l.statusCode} ${l.url}`);
    const expected = ["404 /v1/builders/:idOrSlug/booking-config", "400 /v1/booking-attempts"];
    if (level === "debug") expected.unshift("200 /v1/builders/:idOrSlug/booking-config");
    t.same(requests, expected, `LOG_LEVEL=${level}`);
    for (const l of lines.filter((l) => l.msg === "request"))
      t.match(l, { reqId: /./, method: /^(GET|POST)$/, ms: Number });
  }
});

t.test("a request's logger becomes a pino child only when it writes", async (t) => {
  const { requestLogger } = await import("../src/request-logger.js");
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const root = pino(loggerOptions("info"), stream);
  let children = 0;
  const counting = Object.create(root, {
    child: {
      value: (b: pino.Bindings, o?: pino.ChildLoggerOptions) => {
        children++;
        return root.child(b, o);
      },
    },
  });
  const log = requestLogger(counting, { reqId: "r-1" }, {});
  log.debug({ email: "a@example.org" }, "below the level");
  t.equal(children, 0, "a disabled level makes no child");
  t.equal(log.level, "info", "the level is the parent's");
  log.info({ booking: { inviteeEmail: "a@example.org" } }, "first");
  log.warn("second");
  t.equal(children, 1, "one child, made once");
  const nested = log.child({ step: "verify" });
  nested.error("third");
  await new Promise((r) => setImmediate(r));
  t.match(lines, [
    { reqId: "r-1", msg: "first", booking: { inviteeEmail: "[redacted]" } },
    { reqId: "r-1", msg: "second", level: 40 },
    { reqId: "r-1", step: "verify", msg: "third", level: 50 },
  ]);
  log.level = "debug";
  log.debug("now written");
  await new Promise((r) => setImmediate(r));
  t.match(lines.at(-1), { reqId: "r-1", msg: "now written", level: 20 }, "a level set on the request applies to it");
  t.equal(root.level, "info", "and not to the parent");
});
