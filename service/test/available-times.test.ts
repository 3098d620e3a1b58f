// GET /v1/builders/:builder/available-times over HTTP: the widget's site key and a partner key,
// the window's validation (422 naming `to`), session types, demo/unavailable/embedded-only
// builders (409), our own visitors' holds left out, the cache (one Calendly call, Cache-Control,
// a Calendly booking webhook invalidating it), and Calendly's failures.
//
// Calendly's GET /event_type_available_times answers through a client the test controls, in
// place of the service's; the event type itself comes from the sandbox's fake Calendly.
import { randomBytes } from "node:crypto";
import t from "tap";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import { type AvailableTime, CalendlyError } from "../src/providers/calendly.js";
import { buildTestApp, scheduleSlot, testMetricsToken, visitor } from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const prisma = h.db.prisma;
const liam = await prisma.builder.findUniqueOrThrow({ where: { slug: "liam" }, include: { sessionTypes: true } });

/** Calendly's answer for a window: a slot on every full hour from 09:00 to 16:00 UTC. */
function workingHours(startTime: string, endTime: string): AvailableTime[] {
  const times: AvailableTime[] = [];
  for (let at = Math.ceil(Date.parse(startTime) / HOUR) * HOUR; at < Date.parse(endTime); at += HOUR) {
    const hour = new Date(at).getUTCHours();
    if (hour >= 9 && hour <= 16) {
      times.push({
        status: "available",
        invitees_remaining: 1,
        start_time: new Date(at).toISOString(),
        scheduling_url: `${h.calendly.url}/liam-buildappswith/build-session`,
      });
    }
  }
  return times;
}

const calendly = {
  calls: [] as Array<{ eventType: string; startTime: string; endTime: string }>,
  answer: async (p: { startTime: string; endTime: string }): Promise<AvailableTime[]> =>
    workingHours(p.startTime, p.endTime),
};
const serviceClient = h.app.providers.calendly;
h.app.providers.calendly = {
  ...serviceClient,
  listAvailableTimes: (params) => {
    calendly.calls.push(params);
    return calendly.answer(params);
  },
};

/** Each test starts from an empty cache and Calendly's usual answer. */
function fresh(t: { teardown(fn: () => unknown): void }) {
  h.app.availability.invalidateBuilder(liam.id);
  calendly.calls.length = 0;
  calendly.answer = async (p) => workingHours(p.startTime, p.endTime);
  t.teardown(() => h.app.availability.invalidateBuilder(liam.id));
}

const times = (query = "", headers: Record<string, string> = h.siteHeaders, builder = "liam") =>
  h.app.inject({ url: `/v1/builders/${builder}/available-times${query}`, headers });

const iso = (ms: number) => new Date(ms).toISOString();

t.test(
  "the widget gets a week of Liam's times, his event type's questions, and a private cache lifetime",
  async (t) => {
    fresh(t);
    const before = Date.now();
    const res = await times();
    t.equal(res.statusCode, 200, res.body);
    const body = res.json();
    t.equal(body.builderId, liam.id);
    t.equal(body.sessionTypeId, liam.sessionTypes[0]!.id, "his only session type, unasked");
    t.equal(body.durationMinutes, 60, "the event type's duration");
    t.ok(Date.parse(body.from) >= before && Date.parse(body.from) <= Date.now(), "from: now");
    t.equal(Date.parse(body.to) - Date.parse(body.from), 7 * DAY, "to: a week later");
    t.ok(body.times.length >= 6 * 8, "eight slots a day");
    t.ok(
      body.times.every(
        (x: { startTime: string; endTime: string }, i: number, all: { startTime: string }[]) =>
          Date.parse(x.endTime) - Date.parse(x.startTime) === HOUR &&
          Date.parse(x.startTime) >= Date.parse(body.from) &&
          Date.parse(x.startTime) < Date.parse(body.to) &&
          (i === 0 || all[i - 1]!.startTime < x.startTime),
      ),
      "an hour each, in the window, earliest first",
    );
    const eventType = await serviceClient.getEventType(liam.calendlyEventTypeUri!);
    t.same(
      body.questions,
      eventType.custom_questions
        .filter((q) => q.enabled)
        .map((q) => ({
          position: q.position,
          name: q.name,
          type: q.type,
          required: q.required,
          answerChoices: q.answer_choices,
        })),
      "the enabled questions of his event type in the sandbox's Calendly",
    );
    t.equal(res.headers["cache-control"], "private, max-age=60", "as long as the service keeps them");
    t.match(res.headers.vary, /X-Baw-Site-Key/);
    t.equal(res.headers["access-control-allow-origin"], h.siteHeaders.origin, "CORS as the other widget routes");
    t.equal(calendly.calls.length, 1);
    t.equal(calendly.calls[0]!.eventType, liam.calendlyEventTypeUri);

    // Several visitors at once, then later ones: still that one call.
    const more = await Promise.all(Array.from({ length: 10 }, () => times(`?from=${iso(Date.now() + DAY)}`)));
    t.ok(more.every((r) => r.statusCode === 200));
    t.equal(calendly.calls.length, 1, "served from the cache");

    const metrics = await h.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${testMetricsToken}` } });
    t.match(metrics.body, /baw_availability_cache_total\{cache="times",lookup="hit"\} \d+/);
    t.match(
      metrics.body,
      /baw_provider_call_seconds_count\{provider="calendly",operation="list_available_times",outcome="ok"\} \d+/,
    );
  },
);

t.test(
  "the window: from and to are ISO times, to after from and at most 31 days on; 4xx naming the field",
  async (t) => {
    fresh(t);
    const now = Date.now();
    const cases: Array<[string, number, string, RegExp]> = [
      ["?from=tomorrow", 400, "from", /querystring\.from/],
      [`?to=${encodeURIComponent("2026-13-01T00:00:00Z")}`, 400, "to", /querystring\.to/],
      [`?from=${iso(now + 2 * DAY)}&to=${iso(now + DAY)}`, 422, "to", /^to: must be after from/],
      [`?from=${iso(now + DAY)}&to=${iso(now + 33 * DAY)}`, 422, "to", /^to: must be at most 31 days after from/],
      [`?to=${iso(now - DAY)}`, 422, "to", /^to: must be in the future/],
      ["?sessionTypeId=not-a-uuid", 400, "sessionTypeId", /sessionTypeId/],
      [`?sessionTypeId=${liam.id}`, 422, "sessionTypeId", /no active session type with this id/],
      ["?page=2", 400, "page", /not an accepted field/],
    ];
    for (const [query, status, field, message] of cases) {
      const res = await times(query);
      t.equal(res.statusCode, status, `${query}: ${res.body}`);
      t.equal(res.json().field, field, query);
      t.match(res.json().message, message, query);
    }
    t.equal(calendly.calls.length, 0, "no bad request reaches Calendly");

    const past = await times(`?from=${iso(now - 3 * DAY)}&to=${iso(now + 2 * DAY)}`);
    t.equal(past.statusCode, 200, "a from in the past counts from now");
    t.ok(Date.parse(past.json().from) >= now);
    const month = await times(`?from=${iso(now + DAY)}&to=${iso(now + 32 * DAY)}`);
    t.equal(month.statusCode, 200, "31 days is accepted");
    t.ok(calendly.calls.length <= 2, "and takes at most two Calendly calls");
  },
);

t.test("a builder with several session types is asked which", async (t) => {
  fresh(t);
  const intro = await prisma.sessionType.create({
    data: {
      builderId: liam.id,
      name: "Intro call",
      durationMinutes: 30,
      priceAmount: 5000,
      currency: "usd",
      position: 1,
      calendlyEventTypeUri: "https://api.calendly.com/event_types/5d2c8a41-7e3b-4f96-b1a0-6c9e4d2f8b17",
    },
  });
  t.teardown(() => prisma.sessionType.delete({ where: { id: intro.id } }));
  const unasked = await times();
  t.equal(unasked.statusCode, 422);
  t.match(unasked.json(), { error: "session_type_invalid", field: "sessionTypeId", message: /several session types/ });
  const res = await times(`?sessionTypeId=${intro.id}`);
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().durationMinutes, 30, "the intro call's own event type");
  t.equal(calendly.calls.at(-1)!.eventType, intro.calendlyEventTypeUri, "read through its own event type");
});

t.test("times our other visitors hold, or already booked with us, are left out", async (t) => {
  fresh(t);
  const first = (await times()).json();
  const [a, b, c, d] = first.times.slice(8, 12).map((x: { startTime: string }) => new Date(x.startTime));
  const booking = (startTime: Date, flow: "PAY_FIRST" | "EMBEDDED", status: string) => {
    const who = visitor("Holder");
    return prisma.booking.create({
      data: {
        builderId: liam.id,
        sessionTypeId: liam.sessionTypes[0]!.id,
        flow,
        status: status as "PENDING_PAYMENT",
        startTime,
        endTime: new Date(startTime.getTime() + HOUR),
        inviteeName: who.name,
        inviteeEmail: who.email,
        accessTokenHash: randomBytes(32).toString("hex"),
      },
    });
  };
  const rows = [
    await booking(a, "PAY_FIRST", "PENDING_PAYMENT"),
    await booking(b, "PAY_FIRST", "SCHEDULING"),
    await booking(c, "EMBEDDED", "CONFIRMED"),
    // Paid, slot taken, picking another time: it holds no slot.
    await booking(d, "PAY_FIRST", "NEEDS_NEW_TIME"),
  ];
  t.teardown(() => prisma.booking.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } }));
  const res = await times();
  t.equal(res.statusCode, 200);
  const starts = res.json().times.map((x: { startTime: string }) => x.startTime);
  t.notOk(starts.includes(a.toISOString()), "a reservation awaiting payment");
  t.notOk(starts.includes(b.toISOString()), "a paid reservation being booked");
  t.notOk(starts.includes(c.toISOString()), "a confirmed booking");
  t.ok(starts.includes(d.toISOString()), "a booking that needs a new time holds nothing");
  t.equal(starts.length, first.times.length - 3);
  t.equal(calendly.calls.length, 1, "holds are read from the database, Calendly's times from the cache");
});

t.test("demo, unavailable and embedded-only builders: 409", async (t) => {
  fresh(t);
  const demo = await times("", h.siteHeaders, "ada-fernandez");
  t.equal(demo.statusCode, 409);
  t.equal(demo.json().error, "builder_is_demo");
  t.equal((await times("", h.siteHeaders, "nobody-here")).statusCode, 404);

  await prisma.builder.update({ where: { id: liam.id }, data: { bookingEnabled: false } });
  const off = await times();
  await prisma.builder.update({ where: { id: liam.id }, data: { bookingEnabled: true } });
  t.equal(off.statusCode, 409);
  t.equal(off.json().error, "builder_unavailable");

  await prisma.builder.update({ where: { id: liam.id }, data: { bookingFlow: "EMBEDDED" } });
  const embedded = await times();
  await prisma.builder.update({ where: { id: liam.id }, data: { bookingFlow: null } });
  t.equal(embedded.statusCode, 409);
  t.match(embedded.json(), { error: "pay_first_unavailable", message: /builder_chose_embedded/ });
  t.equal(calendly.calls.length, 0);
});

t.test("partners' servers: a key with builders:read; others are refused", async (t) => {
  fresh(t);
  const reader = await issuePartnerKey(prisma, { name: "times reader", scopes: ["builders:read"] });
  const other = await issuePartnerKey(prisma, { name: "bookings only", scopes: ["bookings:read"] });
  const res = await times("", { authorization: `Bearer ${reader.key}` });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().builderId, liam.id);
  t.match(res.headers.vary, /Authorization/);
  const scopeless = await times("", { authorization: `Bearer ${other.key}` });
  t.equal(scopeless.statusCode, 403);
  t.equal(scopeless.json().error, "scope_missing");
  const wrong = await times("", { authorization: "Bearer baw_sk_notakey" });
  t.equal(wrong.statusCode, 401);
  const none = await times("", {});
  t.equal(none.statusCode, 401, "neither a site key nor a partner key");
  t.equal(none.json().error, "site_key_required");
  const foreign = await times("", { ...h.siteHeaders, origin: "https://elsewhere.example" });
  t.equal(foreign.statusCode, 403);
  t.equal(foreign.json().error, "origin_not_allowed");
});

t.test("a booking made directly in Calendly (its webhook) makes the next view read Calendly again", async (t) => {
  fresh(t);
  await times();
  await times();
  t.equal(calendly.calls.length, 1);
  await scheduleSlot(h, null, { startTime: new Date(Math.ceil((Date.now() + 3 * DAY) / HOUR) * HOUR) });
  await h.calendly.flushWebhooks();
  await times();
  t.equal(calendly.calls.length, 2, "the cached times were dropped");
});

t.test("Calendly's failures: 429 with Retry-After, 502 retryable; neither is cached", async (t) => {
  fresh(t);
  calendly.answer = async () => {
    throw new CalendlyError({
      kind: "rate_limited",
      status: 429,
      title: "Too Many Requests",
      message: "limit",
      retryable: true,
      retryAfterMs: 30_000,
    });
  };
  const limited = await times();
  t.equal(limited.statusCode, 429);
  t.match(limited.json(), { error: "calendly_rate_limited", retryable: true });
  t.equal(limited.headers["retry-after"], "30");
  calendly.answer = async () => {
    throw new CalendlyError({ kind: "timeout", status: null, title: "Timeout", message: "slow", retryable: true });
  };
  const down = await times();
  t.equal(down.statusCode, 502);
  t.match(down.json(), { error: "calendly_unavailable", retryable: true });
  calendly.answer = async (p) => workingHours(p.startTime, p.endTime);
  t.equal((await times()).statusCode, 200, "the next view reads Calendly again and answers");
  t.equal(calendly.calls.length, 3);
});
