// The fake Calendly's availability and Scheduling API, as Calendly documents them:
// GET /event_type_available_times lists the free slots the scheduling page offers (both times in
// the future, at most 31 days apart); POST /invitees books one of them like a page booking (same
// scheduled event, signed invitee.created), under its own per-user limits by tier; the taken-slot
// race through takeSlot; the list filters a service uses to find an invitee it booked; custom
// questions; and a fault that books but loses the answer.
import { createServer } from "node:http";
import { type FakeCalendly, type FakeCalendlyError, sandboxUsers, startFakeCalendly } from "@baw/sandbox";
import t, { type Test } from "tap";
import { sandboxEventTypes } from "../src/cli/local-sandbox.js";
import { verifySignature } from "../src/providers/webhook-signature.js";
import { ADA_EVENT_TYPE, api, PAT, startOAuthFake, tokensFor } from "./helpers/fake-calendly-oauth.js";

const RIO = "5c0ffee0-0000-4000-8000-000000000001";
const MENTORING = "5c0ffee0-0000-4000-8000-0000000000e1";
const QUICK = "5c0ffee0-0000-4000-8000-0000000000e2";
const ADA = sandboxUsers[0]!.uuid!;
const SIGNING_KEY = "pat-signing-key";
const DAY = 86_400_000;

/**
 * A fake whose token owner (Rio) has an event type with questions and one without; Ada and Grace
 * beside. Enterprise tier unless told otherwise, so that only the limit tests meet the limits.
 */
async function start(t: Test, extra: Parameters<typeof startOAuthFake>[0] = {}): Promise<FakeCalendly> {
  const fake = await startOAuthFake({
    schedulingTier: "enterprise",
    eventTypes: [
      {
        userUuid: RIO,
        userSlug: "rio",
        userName: "Rio Builder",
        userEmail: "rio@example.test",
        eventTypeUuid: MENTORING,
        slug: "mentoring",
        name: "Mentoring",
        durationMinutes: 60,
        customQuestions: [
          { name: "What would you like to build?", type: "text" },
          { name: "Team size", type: "single_select", answerChoices: ["1", "2-5", "6+"], required: true },
          { name: "Phone", type: "phone_number" },
          { name: "Retired question", type: "string", enabled: false },
        ],
      },
      {
        userUuid: RIO,
        userSlug: "rio",
        userName: "Rio Builder",
        userEmail: "rio@example.test",
        eventTypeUuid: QUICK,
        slug: "quick-chat",
        name: "Quick chat",
        durationMinutes: 30,
      },
    ],
    ...extra,
  });
  t.teardown(() => fake.close());
  return fake;
}

const etUri = (fake: FakeCalendly, uuid: string) => `${fake.apiBase}/event_types/${uuid}`;

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the fake sent
type Json = any;

/** Receives the fake's webhook deliveries. */
async function receiver(t: Test): Promise<{ url: string; got: Array<{ signature: string; raw: string; body: Json }> }> {
  const got: Array<{ signature: string; raw: string; body: Json }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    // A delivery still in flight when the fake closes is aborted: not an error of the test.
    req.on("error", () => undefined);
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      got.push({ signature: String(req.headers["calendly-webhook-signature"] ?? ""), raw, body: JSON.parse(raw) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/calendly`, got };
}

function availability(fake: FakeCalendly, token: string, params: Record<string, string | undefined>) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, v);
  return api(fake, token, `/event_type_available_times?${query}`);
}

function book(fake: FakeCalendly, token: string, body: unknown) {
  return api(fake, token, "/invitees", { method: "POST", body: JSON.stringify(body) });
}

function bookingBody(fake: FakeCalendly, startTime: string, overrides: Record<string, unknown> = {}) {
  return {
    event_type: etUri(fake, MENTORING),
    start_time: startTime,
    invitee: { name: "Vera Visitor", email: "vera@example.test", timezone: "Europe/Berlin" },
    questions_and_answers: [{ question: "Team size", answer: "2-5", position: 1 }],
    ...overrides,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Resolves once `done()` holds (checked every 10 ms, for at most 20 s). */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("condition not reached within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

t.test("available times: the slots the scheduling page offers, earliest first", async (t) => {
  const fake = await start(t);
  const from = iso(Date.now() + 60_000);
  const to = iso(Date.now() + 7 * DAY);
  const res = await availability(fake, PAT, { event_type: etUri(fake, MENTORING), start_time: from, end_time: to });
  t.equal(res.status, 200);
  t.same(Object.keys(res.body), ["collection"], "no pagination: Calendly's answer is one collection");
  const times = res.body.collection as Array<Record<string, unknown>>;
  t.ok(times.length >= 8, "a week of working hours");
  for (const time of times) {
    t.equal(time.status, "available");
    t.equal(time.invitees_remaining, 1);
    t.match(time.start_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, "Calendly's microsecond times");
  }
  const starts = times.map((x) => Date.parse(x.start_time as string));
  t.same(
    starts,
    [...starts].sort((a, b) => a - b),
    "earliest first",
  );
  t.ok(
    starts.every((s) => s >= Date.parse(from) && s < Date.parse(to)),
    "inside the range",
  );

  const page = await (await fetch(`${fake.url}/rio/mentoring`)).text();
  const pageSlots = [...page.matchAll(/data-slot="([^"]+)"/g)].map((m) => Date.parse(m[1]!));
  t.same(starts.slice(0, pageSlots.length), pageSlots, "the page's slots, in the page's order");
  t.same(fake.availableTimes(MENTORING, { from, to }), starts.map(iso), "fake.availableTimes agrees");

  // An available time's scheduling_url opens the page with that time picked.
  const third = times[2]!;
  const url = new URL(third.scheduling_url as string);
  const slotIso = new Date(third.start_time as string).toISOString();
  t.equal(url.searchParams.get("date"), slotIso.slice(0, 10));
  t.equal(url.searchParams.get("month"), slotIso.slice(0, 7));
  const picked = await fetch(third.scheduling_url as string);
  t.equal(picked.status, 200);
  t.match(await picked.text(), new RegExp(`data-slot="${slotIso}"[^>]*aria-pressed="true"`));
});

t.test("available times: a taken slot is not available", async (t) => {
  const fake = await start(t);
  const range = {
    event_type: etUri(fake, MENTORING),
    start_time: iso(Date.now() + 60_000),
    end_time: iso(Date.now() + 5 * DAY),
  };
  const before = (await availability(fake, PAT, range)).body.collection.map(
    (x: { start_time: string }) => x.start_time,
  );
  const [first, second] = before;
  await fake.schedule({
    eventTypeUuid: MENTORING,
    startTime: new Date(first),
    name: "A",
    email: "a@example.test",
    answers: ["", "1"],
  });
  await fake.takeSlot({ eventType: etUri(fake, MENTORING), startTime: new Date(second), answers: ["", "1"] });
  const after = (await availability(fake, PAT, range)).body.collection.map((x: { start_time: string }) => x.start_time);
  t.same(after, before.slice(2), "both booked slots are gone, nothing else");
  const taken = await fetch(`${fake.url}/rio/mentoring/${new Date(first).toISOString()}`);
  t.equal(taken.status, 404, "a taken time's scheduling_url no longer opens");
  // The 30-minute event type of the same host is busy at the same hour too.
  const quick = fake.availableTimes(QUICK, { from: range.start_time, to: range.end_time });
  t.notOk(quick.includes(new Date(first).toISOString()), "one host, one calendar");
});

t.test("available times: Calendly's 400s for the range, naming each parameter", async (t) => {
  const fake = await start(t);
  const now = Date.now();
  const et = etUri(fake, MENTORING);
  const cases: Array<[string, Record<string, string | undefined>, Array<[string, RegExp]>]> = [
    ["no event type", { start_time: iso(now + 60_000), end_time: iso(now + DAY) }, [["event_type", /blank/]]],
    [
      "no times",
      { event_type: et },
      [
        ["start_time", /blank/],
        ["end_time", /blank/],
      ],
    ],
    ["not a time", { event_type: et, start_time: "tomorrow", end_time: iso(now + DAY) }, [["start_time", /ISO 8601/]]],
    [
      "start in the past",
      { event_type: et, start_time: iso(now - 60_000), end_time: iso(now + DAY) },
      [["start_time", /future/]],
    ],
    [
      "end in the past",
      { event_type: et, start_time: iso(now + 60_000), end_time: iso(now - DAY) },
      [["end_time", /future/]],
    ],
    [
      "end before start",
      { event_type: et, start_time: iso(now + 2 * DAY), end_time: iso(now + DAY) },
      [["end_time", /after start_time/]],
    ],
    [
      "equal times",
      { event_type: et, start_time: iso(now + DAY), end_time: iso(now + DAY) },
      [["end_time", /after start_time/]],
    ],
    [
      "more than 31 days",
      { event_type: et, start_time: iso(now + 60_000), end_time: iso(now + 60_000 + 31 * DAY + 1000) },
      [["end_time", /no greater than 31 days/]],
    ],
  ];
  for (const [name, params, expected] of cases) {
    const res = await availability(fake, PAT, params);
    t.equal(res.status, 400, name);
    t.equal(res.body.title, "Invalid Argument", name);
    t.equal(typeof res.body.message, "string", name);
    t.same(
      res.body.details.map((d: { parameter: string }) => d.parameter),
      expected.map(([p]) => p),
      `${name}: the parameters named`,
    );
    for (const [i, [, message]] of expected.entries()) t.match(res.body.details[i].message, message, name);
  }
  const month = await availability(fake, PAT, {
    event_type: et,
    start_time: iso(now + 60_000),
    end_time: iso(now + 60_000 + 31 * DAY),
  });
  t.equal(month.status, 200, "exactly 31 days is allowed");
  t.ok(month.body.collection.length > 100);
});

t.test("available times: 401 without a token, 404 for an unknown event type, 403 for someone else's", async (t) => {
  const fake = await start(t);
  const range = { start_time: iso(Date.now() + 60_000), end_time: iso(Date.now() + DAY * 3) };
  const anonymous = await fetch(`${fake.apiBase}/event_type_available_times?event_type=${etUri(fake, MENTORING)}`);
  t.equal(anonymous.status, 401);
  t.equal(((await anonymous.json()) as { title: string }).title, "Unauthenticated");
  const unknown = await availability(fake, PAT, {
    ...range,
    event_type: etUri(fake, "00000000-0000-4000-8000-000000000000"),
  });
  t.equal(unknown.status, 404);
  t.equal(unknown.body.title, "Resource Not Found");
  const adas = await availability(fake, PAT, { ...range, event_type: etUri(fake, ADA_EVENT_TYPE) });
  t.equal(adas.status, 403, "Ada's event type is in another organization");
  t.equal(adas.body.title, "Permission Denied");

  const ada = await tokensFor(fake, ADA);
  t.equal(
    (await availability(fake, ada.access_token, { ...range, event_type: etUri(fake, ADA_EVENT_TYPE) })).status,
    200,
  );
  t.equal((await availability(fake, ada.access_token, { ...range, event_type: etUri(fake, MENTORING) })).status, 403);
  const narrow = await tokensFor(fake, ADA, { scope: "users:read" });
  const noScope = await availability(fake, narrow.access_token, { ...range, event_type: etUri(fake, ADA_EVENT_TYPE) });
  t.equal(noScope.status, 403);
  t.same(noScope.body.details, [{ parameter: "scope", message: "requires the event_types:read scope" }]);
});

t.test("POST /invitees books like the page: the event, the invitee and the signed invitee.created", async (t) => {
  const fake = await start(t);
  const hook = await receiver(t);
  fake.setWebhookUrl(hook.url);
  const [slot, next] = fake.availableTimes(MENTORING);
  const res = await book(
    fake,
    PAT,
    bookingBody(fake, slot!, {
      invitee: {
        name: "Vera Visitor",
        first_name: "Vera",
        last_name: "Visitor",
        email: "vera@example.test",
        timezone: "America/New_York",
      },
      questions_and_answers: [
        { question: "Team size", answer: "2-5", position: 1 },
        { question: "What would you like to build?", answer: "  A booking widget  ", position: 0 },
        { question: "Phone", answer: "", position: 2 },
      ],
      tracking: { utm_content: "bk_123", utm_source: "baw", utm_campaign: "pay-first" },
      event_guests: ["guest@example.test"],
      location: { kind: "zoom_conference" },
    }),
  );
  t.equal(res.status, 201);
  const invitee = res.body.resource;
  t.match(invitee.uri, new RegExp(`^${fake.apiBase}/scheduled_events/[0-9a-f-]{36}/invitees/[0-9a-f-]{36}$`));
  t.equal(invitee.event, invitee.uri.replace(/\/invitees\/[^/]+$/, ""), "the invitee's event URI");
  t.equal(invitee.name, "Vera Visitor");
  t.equal(invitee.first_name, "Vera");
  t.equal(invitee.last_name, "Visitor");
  t.equal(invitee.email, "vera@example.test");
  t.equal(invitee.timezone, "America/New_York");
  t.equal(invitee.status, "active");
  t.same(invitee.tracking, {
    utm_campaign: "pay-first",
    utm_source: "baw",
    utm_medium: null,
    utm_content: "bk_123",
    utm_term: null,
    salesforce_uuid: null,
  });
  t.same(
    invitee.questions_and_answers,
    [
      { question: "What would you like to build?", answer: "A booking widget", position: 0 },
      { question: "Team size", answer: "2-5", position: 1 },
    ],
    "in position order, trimmed, blank answers left out",
  );
  t.equal(invitee.scheduling_method, "instant_book", "booked through the Scheduling API");
  t.equal(invitee.invitee_scheduled_by, fake.userUri, "by the token's user");
  t.equal(invitee.rescheduled, false);
  t.equal(invitee.cancel_url, `${fake.url}/cancellations/${invitee.uri.split("/").pop()}`);
  t.same(fake.invitee(invitee.uri), invitee, "what the API reads back");

  const event = fake.event(invitee.event)!;
  t.equal(event.status, "active");
  t.equal(event.event_type, etUri(fake, MENTORING));
  t.equal(new Date(event.start_time).toISOString(), slot);
  t.equal(Date.parse(event.end_time) - Date.parse(event.start_time), 60 * 60_000);
  t.same(event.location, { type: "zoom_conference", location: null });
  t.same(
    event.event_guests?.map((g) => g.email),
    ["guest@example.test"],
  );
  t.same(event.event_memberships, [{ user: fake.userUri, user_email: "rio@example.test", user_name: "Rio Builder" }]);
  t.same(event.invitees_counter, { total: 1, active: 1, limit: 1 });
  const read = await api(fake, PAT, `/scheduled_events/${event.uri.split("/").pop()}`);
  t.same(read.body.resource, event, "GET /scheduled_events/{uuid} shows it");

  await fake.flushWebhooks();
  t.equal(hook.got.length, 1, "one invitee.created");
  const delivery = hook.got[0]!;
  t.equal(delivery.body.event, "invitee.created");
  t.ok(verifySignature(delivery.signature, delivery.raw, SIGNING_KEY, 180).ok, "signed like every delivery");
  const { scheduled_event: scheduled, ...payloadInvitee } = delivery.body.payload;
  t.same(payloadInvitee, invitee, "the webhook carries the invitee the API answered");
  t.same(scheduled, event);

  t.notOk(fake.availableTimes(MENTORING).includes(slot!), "the slot is no longer available");
  t.equal(fake.availableTimes(MENTORING)[0], next, "the next one is");
  t.equal(
    (await book(fake, PAT, bookingBody(fake, next!, { questions_and_answers: [{ answer: "6+", position: 1 }] })))
      .status,
    201,
    "the question's text is optional: answers go by position",
  );
});

t.test("POST /invitees: each invalid request is a 400 naming the parameter, and books nothing", async (t) => {
  const fake = await start(t);
  const hook = await receiver(t);
  fake.setWebhookUrl(hook.url);
  const [slot] = fake.availableTimes(MENTORING);
  const tomorrow = new Date(Date.parse(slot!));
  const offGrid = new Date(tomorrow.getTime() + 17 * 60_000).toISOString();
  const evening = `${slot!.slice(0, 10)}T20:00:00.000Z`;
  const invitee = { name: "Vera", email: "vera@example.test", timezone: "Europe/Berlin" };
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["no name", { invitee: { email: "v@example.test", timezone: "UTC" } }, "invitee.name", /blank/],
    ["no email", { invitee: { name: "Vera", timezone: "UTC" } }, "invitee.email", /blank/],
    ["bad email", { invitee: { ...invitee, email: "vera-at-example" } }, "invitee.email", /valid email/],
    ["no time zone", { invitee: { name: "Vera", email: "v@example.test" } }, "invitee.timezone", /blank/],
    ["bad time zone", { invitee: { ...invitee, timezone: "Mars/Olympus_Mons" } }, "invitee.timezone", /time zone/],
    ["no invitee", { invitee: undefined }, "invitee", /blank/],
    ["no event type", { event_type: undefined }, "event_type", /blank/],
    ["no start time", { start_time: undefined }, "start_time", /blank/],
    ["not a time", { start_time: "next tuesday" }, "start_time", /ISO 8601/],
    ["start in the past", { start_time: iso(Date.now() - 3_600_000) }, "start_time", /future/],
    ["not on the slot grid", { start_time: offGrid }, "start_time", /not an available time/],
    ["outside working hours", { start_time: evening }, "start_time", /not an available time/],
    ["required question unanswered", { questions_and_answers: [] }, "questions_and_answers", /"Team size".*required/],
    [
      "required question answered blank",
      { questions_and_answers: [{ question: "Team size", answer: "  ", position: 1 }] },
      "questions_and_answers",
      /required/,
    ],
    [
      "not one of the choices",
      { questions_and_answers: [{ question: "Team size", answer: "a thousand", position: 1 }] },
      "questions_and_answers[0]",
      /one of: 1, 2-5, 6\+/,
    ],
    [
      "no such question",
      {
        questions_and_answers: [
          { answer: "2-5", position: 1 },
          { answer: "?", position: 7 },
        ],
      },
      "questions_and_answers[1]",
      /does not answer a question/,
    ],
    [
      "a disabled question",
      {
        questions_and_answers: [
          { answer: "2-5", position: 1 },
          { answer: "x", position: 3 },
        ],
      },
      "questions_and_answers[1]",
      /does not answer a question/,
    ],
    [
      "bad phone number",
      {
        questions_and_answers: [
          { answer: "2-5", position: 1 },
          { answer: "call me", position: 2 },
        ],
      },
      "questions_and_answers[1]",
      /phone/,
    ],
    [
      "answer without a position",
      { questions_and_answers: [{ answer: "2-5" }] },
      "questions_and_answers[0].position",
      /whole number/,
    ],
    ["tracking not an object", { tracking: "bk_1" }, "tracking", /object/],
    ["tracking too long", { tracking: { utm_content: "x".repeat(256) } }, "tracking.utm_content", /too long/],
    ["bad guest", { event_guests: ["ok@example.test", "nope"] }, "event_guests[1]", /valid email/],
    ["unknown location kind", { location: { kind: "carrier_pigeon" } }, "location.kind", /location kind/],
  ];
  for (const [name, overrides, parameter, message] of cases) {
    const res = await book(fake, PAT, bookingBody(fake, slot!, overrides));
    t.equal(res.status, 400, name);
    t.equal(res.body.title, "Invalid Argument", name);
    const detail = res.body.details?.find((d: { parameter: string }) => d.parameter === parameter);
    t.ok(detail, `${name}: names ${parameter} (got ${JSON.stringify(res.body.details)})`);
    t.match(detail?.message, message, name);
  }
  const several = await book(fake, PAT, { event_type: etUri(fake, MENTORING), invitee: { email: "nope" } });
  t.same(
    several.body.details.map((d: { parameter: string }) => d.parameter).sort(),
    ["invitee.email", "invitee.name", "invitee.timezone", "start_time"],
    "every problem of the body at once",
  );
  const notJson = await api(fake, PAT, "/invitees", { method: "POST", body: "{not json" });
  t.equal(notJson.status, 400);
  const unknownType = await book(
    fake,
    PAT,
    bookingBody(fake, slot!, { event_type: etUri(fake, "00000000-0000-4000-8000-00000000000f") }),
  );
  t.equal(unknownType.status, 404);
  const adas = await book(fake, PAT, bookingBody(fake, slot!, { event_type: etUri(fake, ADA_EVENT_TYPE) }));
  t.equal(adas.status, 403, "another organization's event type");

  t.equal(fake.events.length, 0, "nothing was booked");
  await fake.flushWebhooks();
  t.equal(hook.got.length, 0, "nothing was sent");
  t.equal((await book(fake, PAT, bookingBody(fake, slot!))).status, 201, "the same slot books with a valid body");
});

t.test("POST /invitees: a slot taken meanwhile is refused as no longer available", async (t) => {
  const fake = await start(t);
  const [slot, other] = fake.availableTimes(MENTORING);
  const direct = await fake.takeSlot({
    user: "rio",
    eventSlug: "mentoring",
    startTime: slot!,
    email: "direct@example.test",
    answers: ["", "6+"],
  });
  const res = await book(fake, PAT, bookingBody(fake, slot!));
  t.equal(res.status, 400);
  t.equal(res.body.title, "Invalid Argument");
  t.match(res.body.message, /no longer available/);
  t.same(res.body.details, [{ parameter: "start_time", message: "is no longer available" }]);
  t.same(
    fake.events.map((e) => e.uri),
    [direct.eventUri],
    "only the direct booking exists",
  );

  // Two bookings of one slot at the same moment: one wins, the other is told the slot is gone.
  const both = await Promise.all([
    book(fake, PAT, bookingBody(fake, other!, { invitee: { name: "A", email: "a@example.test", timezone: "UTC" } })),
    book(fake, PAT, bookingBody(fake, other!, { invitee: { name: "B", email: "b@example.test", timezone: "UTC" } })),
  ]);
  t.same(both.map((r) => r.status).sort(), [201, 400]);
  t.match(both.find((r) => r.status === 400)!.body.message, /no longer available/);
  t.equal(fake.events.filter((e) => new Date(e.start_time).toISOString() === other).length, 1);
});

t.test("POST /invitees needs scheduled_events:write; an OAuth token books for its own user", async (t) => {
  const fake = await start(t);
  const [adaSlot] = fake.availableTimes(ADA_EVENT_TYPE);
  const body = {
    event_type: etUri(fake, ADA_EVENT_TYPE),
    start_time: adaSlot,
    invitee: { name: "Vera", email: "vera@example.test", timezone: "UTC" },
    questions_and_answers: [{ question: "Your stack", answer: "Python", position: 1 }],
  };
  const reader = await tokensFor(fake, ADA, { scope: "event_types:read scheduled_events:read" });
  const denied = await book(fake, reader.access_token, body);
  t.equal(denied.status, 403);
  t.equal(denied.body.title, "Permission Denied");
  t.same(denied.body.details, [{ parameter: "scope", message: "requires the scheduled_events:write scope" }]);
  t.equal(fake.schedulingBudget(ADA).windows[0]!.used, 0, "a refused scope is not counted");

  const writer = await tokensFor(fake, ADA);
  const ok = await book(fake, writer.access_token, body);
  t.equal(ok.status, 201);
  t.equal(ok.body.resource.invitee_scheduled_by, fake.user(ADA)!.uri);
  t.same(ok.body.resource.questions_and_answers, [{ question: "Your stack", answer: "Python", position: 1 }]);
  const other = await book(fake, writer.access_token, bookingBody(fake, fake.availableTimes(MENTORING)[0]!));
  t.equal(other.status, 403, "Ada's token cannot book Rio's event type");
});

t.test("the Scheduling API's limits: paid tier, 10 a minute, 50 an hour, 100 a day, per user", async (t) => {
  const fake = await start(t, { schedulingTier: "paid" });
  const bad = { event_type: etUri(fake, MENTORING) }; // counted like any call Calendly answers
  for (let i = 1; i <= 10; i++) {
    const res = await book(fake, PAT, bad);
    t.equal(res.status, 400, `call ${i} is answered`);
    t.equal(res.headers.get("x-ratelimit-limit"), "10", "the tightest window: the minute");
    t.equal(res.headers.get("x-ratelimit-remaining"), String(10 - i));
  }
  const limited = await book(fake, PAT, bookingBody(fake, fake.availableTimes(MENTORING)[0]!));
  t.equal(limited.status, 429);
  t.equal(limited.body.title, "Too Many Requests");
  t.match(limited.body.message, /10 requests per user per minute/);
  t.equal(limited.headers.get("x-ratelimit-limit"), "10");
  t.equal(limited.headers.get("x-ratelimit-remaining"), "0");
  const reset = Number(limited.headers.get("x-ratelimit-reset"));
  t.ok(reset > 0 && reset <= 60, `X-RateLimit-Reset in seconds (${reset})`);
  t.equal(fake.events.length, 0, "a refused call books nothing");
  t.equal(fake.schedulingBudget(RIO).windows[0]!.used, 10, "and is not counted");
  t.equal(fake.schedulingCalls(RIO).length, 11, "every POST /invitees is in the log");
  t.same(
    fake.schedulingCalls(RIO).map((c) => c.status),
    [...Array(10).fill(400), 429],
  );

  const times = await availability(fake, PAT, {
    event_type: etUri(fake, MENTORING),
    start_time: iso(Date.now() + 60_000),
    end_time: iso(Date.now() + DAY * 2),
  });
  t.equal(times.status, 200, "only POST /invitees is limited");
  t.equal(times.headers.get("x-ratelimit-limit"), "500", "other calls report the API's general limit");

  const ada = await tokensFor(fake, ADA);
  t.equal(
    (await book(fake, ada.access_token, { event_type: etUri(fake, ADA_EVENT_TYPE) })).status,
    400,
    "another user has a budget of their own",
  );

  // The minute passes: room again, until the hour's 50 are used.
  for (let minute = 1; minute <= 4; minute++) {
    fake.advanceClock(61_000);
    for (let i = 0; i < 10; i++) t.equal((await book(fake, PAT, bad)).status, 400);
  }
  fake.advanceClock(61_000);
  const hourly = await book(fake, PAT, bad);
  t.equal(hourly.status, 429, "51st call in the hour");
  t.equal(hourly.headers.get("x-ratelimit-limit"), "50");
  t.match(hourly.body.message, /50 requests per user per hour/);
  const hourReset = Number(hourly.headers.get("x-ratelimit-reset"));
  t.ok(hourReset > 3000 && hourReset <= 3600, `the hour's reset (${hourReset})`);
  t.same(
    fake.schedulingBudget(RIO).windows.map((w) => [w.window, w.limit, w.used]),
    [
      ["minute", 10, 0],
      ["hour", 50, 50],
      ["day", 100, 50],
    ],
  );

  fake.advanceClock(3_600_000);
  t.equal((await book(fake, PAT, bad)).status, 400, "the hour passed");
  const day = fake.exhaustSchedulingBudget(RIO);
  t.same(
    day.windows.find((w) => w.window === "day"),
    { window: "day", limit: 100, used: 100, remaining: 0, resetSeconds: day.windows[2]!.resetSeconds },
  );
  const daily = await book(fake, PAT, bookingBody(fake, fake.availableTimes(MENTORING)[0]!));
  t.equal(daily.status, 429);
  t.equal(daily.headers.get("x-ratelimit-limit"), "100", "the window to wait for is the day");
  t.ok(Number(daily.headers.get("x-ratelimit-reset")) > 3600, "a reset hours away");
  fake.resetSchedulingBudget(RIO);
  t.equal(
    (await book(fake, PAT, bookingBody(fake, fake.availableTimes(MENTORING)[0]!))).status,
    201,
    "reset: books again",
  );
});

t.test("the Scheduling API's limits by tier: trial 5 a day, enterprise 500 a minute", async (t) => {
  const fake = await start(t, { schedulingTier: "enterprise" });
  t.same(fake.schedulingBudget(RIO), {
    tier: "enterprise",
    windows: [{ window: "minute", limit: 500, used: 0, remaining: 500, resetSeconds: 0 }],
  });
  const exhausted = fake.exhaustSchedulingBudget(RIO);
  t.equal(exhausted.windows[0]!.used, 500);
  const limited = await book(fake, PAT, bookingBody(fake, fake.availableTimes(MENTORING)[0]!));
  t.equal(limited.status, 429);
  t.equal(limited.headers.get("x-ratelimit-limit"), "500");
  t.ok(Number(limited.headers.get("x-ratelimit-reset")) <= 60);
  fake.advanceClock(60_001);
  t.equal((await book(fake, PAT, bookingBody(fake, fake.availableTimes(MENTORING)[0]!))).status, 201, "next minute");

  fake.setSchedulingTier("rio", "trial");
  fake.resetSchedulingBudget(RIO);
  for (let i = 0; i < 5; i++) {
    const res = await book(fake, PAT, { event_type: etUri(fake, MENTORING) });
    t.equal(res.headers.get("x-ratelimit-limit"), "5");
    t.equal(res.headers.get("x-ratelimit-remaining"), String(4 - i));
  }
  const trial = await book(fake, PAT, { event_type: etUri(fake, MENTORING) });
  t.equal(trial.status, 429);
  t.match(trial.body.message, /5 requests per user per day/);
  t.throws(() => fake.exhaustSchedulingBudget(RIO, "minute"), /no per-minute/, "trials have only a daily limit");
  t.throws(() => fake.setSchedulingTier(RIO, "gold" as never), /tier/);

  const kim = fake.addUser({
    slug: "kim",
    name: "Kim",
    email: "kim@example.test",
    eventTypes: [],
    schedulingTier: "trial",
  });
  t.equal(fake.schedulingBudget(kim.uri).tier, "trial", "a user's tier from its configuration");
  t.throws(
    () =>
      fake.addUser({
        slug: "lee",
        name: "Lee",
        email: "lee@example.test",
        eventTypes: [],
        schedulingTier: "vip" as never,
      }),
    /schedulingTier/,
  );
  t.equal(fake.schedulingBudget(ADA).tier, "enterprise", "the fake's default tier");
});

t.test("/_sandbox/ controls: tier, budget, exhaust, reset and take-slot over HTTP", async (t) => {
  const fake = await start(t, { schedulingTier: undefined });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${fake.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const budget = await (await fetch(`${fake.url}/_sandbox/scheduling-api?user=rio`)).json();
  t.equal((budget as { tier: string }).tier, "paid");
  t.equal((await fetch(`${fake.url}/_sandbox/scheduling-api`)).status, 400, "user is required");
  t.equal((await fetch(`${fake.url}/_sandbox/scheduling-api?user=nobody`)).status, 404);

  const tier = await post("/_sandbox/scheduling-api/tier", { user: fake.userUri, tier: "trial" });
  t.equal(tier.status, 200);
  t.equal(tier.body.tier, "trial");
  const badTier = await post("/_sandbox/scheduling-api/tier", { user: "rio", tier: "gold" });
  t.equal(badTier.status, 400);
  t.equal(badTier.body.details[0].parameter, "tier");
  const badWindow = await post("/_sandbox/scheduling-api/exhaust", { user: "rio", window: "hour" });
  t.equal(badWindow.status, 400, "a trial has no hourly window");
  t.equal(badWindow.body.details[0].parameter, "window");
  const exhausted = await post("/_sandbox/scheduling-api/exhaust", { user: "rio" });
  t.equal(exhausted.status, 200);
  t.same(exhausted.body.windows[0], {
    window: "day",
    limit: 5,
    used: 5,
    remaining: 0,
    resetSeconds: exhausted.body.windows[0].resetSeconds,
  });
  t.equal((await book(fake, PAT, bookingBody(fake, fake.availableTimes(MENTORING)[0]!))).status, 429);
  const reset = await post("/_sandbox/scheduling-api/reset", { user: "rio" });
  t.equal(reset.body.windows[0].used, 0);

  const [slot] = fake.availableTimes(QUICK);
  const taken = await post("/_sandbox/take-slot", {
    user: "rio",
    event_slug: "quick-chat",
    start_time: slot,
    name: "Walk-in",
    email: "walkin@example.test",
  });
  t.equal(taken.status, 201);
  t.equal(fake.invitee(taken.body.inviteeUri)?.email, "walkin@example.test");
  t.equal(taken.body.event.uri, taken.body.eventUri);
  t.notOk(fake.availableTimes(QUICK).includes(slot!));
  const again = await post("/_sandbox/take-slot", { event_type: etUri(fake, QUICK), start_time: slot });
  t.equal(again.status, 409, "a taken slot cannot be taken twice");
  const noSlot = await post("/_sandbox/take-slot", {
    event_type: etUri(fake, QUICK),
    start_time: `${slot!.slice(0, 10)}T03:00:00.000Z`,
  });
  t.equal(noSlot.status, 400);
  t.equal(noSlot.body.details[0].parameter, "start_time");
  t.equal((await post("/_sandbox/take-slot", { user: "rio", event_slug: "nope", start_time: slot })).status, 404);
  t.equal((await post("/_sandbox/take-slot", { user: "rio", event_slug: "quick-chat" })).status, 400);
});

t.test("takeSlot books as a page visitor: scheduling_method null, invitee.created sent", async (t) => {
  const fake = await start(t);
  const hook = await receiver(t);
  fake.setWebhookUrl(hook.url);
  const [slot] = fake.availableTimes(MENTORING);
  const taken = await fake.takeSlot({ eventType: MENTORING, startTime: slot!, answers: ["", "6+"] });
  const invitee = fake.invitee(taken.inviteeUri)!;
  t.equal(invitee.scheduling_method, null, "as for a page booking");
  t.equal(invitee.invitee_scheduled_by, null);
  t.equal(invitee.name, "Direct Visitor");
  t.same(invitee.questions_and_answers, [{ question: "Team size", answer: "6+", position: 1 }]);
  await fake.flushWebhooks();
  t.same(
    hook.got.map((d) => [d.body.event, d.body.payload.uri]),
    [["invitee.created", taken.inviteeUri]],
  );
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: FakeCalendlyError) => ({ status: error.status, parameters: error.details?.map((d) => d.parameter) }),
    );
  t.same(await failure(fake.takeSlot({ eventType: MENTORING, startTime: slot!, answers: ["", "1"] })), {
    status: 409,
    parameters: undefined,
  });
  t.same(
    await failure(fake.takeSlot({ eventType: MENTORING, startTime: fake.availableTimes(MENTORING)[0]! })),
    { status: 400, parameters: ["questions_and_answers"] },
    "the page asks required questions too",
  );
});

t.test("scheduled events and invitees: the filters that find a booking whose answer was lost", async (t) => {
  const fake = await start(t);
  const [a, b, c] = fake.availableTimes(MENTORING);
  const mine = (await book(fake, PAT, bookingBody(fake, a!, { tracking: { utm_content: "bk_1" } }))).body.resource;
  const other = await fake.takeSlot({
    eventType: MENTORING,
    startTime: b!,
    email: "someone@example.test",
    answers: ["", "1"],
  });
  const canceled = (await book(fake, PAT, bookingBody(fake, c!, { tracking: { utm_content: "bk_2" } }))).body.resource;
  await fake.cancel(canceled.event);

  const list = async (query: string) => {
    const res = await api(fake, PAT, `/scheduled_events?${query}`);
    t.equal(res.status, 200, query);
    return res.body.collection.map((e: { uri: string }) => e.uri) as string[];
  };
  const user = `user=${encodeURIComponent(fake.userUri)}`;
  t.same(await list(`${user}&invitee_email=VERA%40example.test`), [mine.event, canceled.event], "by e-mail, any case");
  t.same(await list(`${user}&invitee_email=vera%40example.test&status=active`), [mine.event]);
  t.same(await list(`${user}&status=canceled`), [canceled.event]);
  t.same(
    await list(`${user}&min_start_time=${encodeURIComponent(b!)}`),
    [other.eventUri, canceled.event],
    "min inclusive",
  );
  t.same(await list(`${user}&max_start_time=${encodeURIComponent(b!)}`), [mine.event], "max exclusive");
  t.same(
    await list(
      `${user}&min_start_time=${encodeURIComponent(a!)}&max_start_time=${encodeURIComponent(c!)}&sort=start_time:desc`,
    ),
    [other.eventUri, mine.event],
  );
  t.same(await list(`organization=${encodeURIComponent(fake.organizationUri)}&invitee_email=someone%40example.test`), [
    other.eventUri,
  ]);
  for (const [query, parameter] of [
    [`${user}&status=gone`, "status"],
    [`${user}&min_start_time=soon`, "min_start_time"],
    [`${user}&max_start_time=later`, "max_start_time"],
    [`${user}&sort=name`, "sort"],
  ] as const) {
    const res = await api(fake, PAT, `/scheduled_events?${query}`);
    t.equal(res.status, 400, query);
    t.equal(res.body.details[0].parameter, parameter);
  }

  const uuid = mine.event.split("/").pop();
  const invitees = async (query: string) =>
    (await api(fake, PAT, `/scheduled_events/${uuid}/invitees?${query}`)).body.collection.map(
      (i: { uri: string; tracking: { utm_content: string } }) => [i.uri, i.tracking.utm_content],
    );
  t.same(await invitees("email=Vera%40Example.test"), [[mine.uri, "bk_1"]], "the invitee with our tracking id");
  t.same(await invitees("email=someone%40example.test"), []);
  t.same(await invitees("status=active"), [[mine.uri, "bk_1"]]);
  t.same(await invitees("status=canceled"), []);
  const canceledUuid = canceled.event.split("/").pop();
  const canceledInvitees = await api(fake, PAT, `/scheduled_events/${canceledUuid}/invitees?status=canceled`);
  t.same(
    canceledInvitees.body.collection.map((i: { uri: string }) => i.uri),
    [canceled.uri],
  );
  t.equal((await api(fake, PAT, `/scheduled_events/${uuid}/invitees?status=maybe`)).status, 400);
});

t.test("custom questions: on the event type, on the page, and in a page booking's answers", async (t) => {
  const fake = await start(t);
  const et = (await api(fake, PAT, `/event_types/${MENTORING}`)).body.resource;
  t.same(et.custom_questions, [
    {
      name: "What would you like to build?",
      type: "text",
      position: 0,
      enabled: true,
      required: false,
      answer_choices: [],
      include_other: false,
    },
    {
      name: "Team size",
      type: "single_select",
      position: 1,
      enabled: true,
      required: true,
      answer_choices: ["1", "2-5", "6+"],
      include_other: false,
    },
    {
      name: "Phone",
      type: "phone_number",
      position: 2,
      enabled: true,
      required: false,
      answer_choices: [],
      include_other: false,
    },
    {
      name: "Retired question",
      type: "string",
      position: 3,
      enabled: false,
      required: false,
      answer_choices: [],
      include_other: false,
    },
  ]);
  t.same((await api(fake, PAT, `/event_types/${QUICK}`)).body.resource.custom_questions, [], "none configured");

  const page = await (await fetch(`${fake.url}/rio/mentoring?a1=A%20shop&a2=6%2B`)).text();
  t.match(
    page,
    /<label for="question-0">What would you like to build\?<\/label>\s*<textarea id="question-0"[^>]*>A shop<\/textarea>/,
  );
  t.match(page, /<select id="question-1" name="question-1" required>.*<option value="6\+" selected>/s);
  t.match(page, /<input id="question-2" name="question-2" type="tel"/);
  t.notMatch(page, /Retired question/, "a disabled question is not asked");

  const [slot] = fake.availableTimes(MENTORING);
  const post = (answers: string[]) =>
    fetch(`${fake.url}/_sandbox/schedule`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        event_type_uuid: MENTORING,
        start_time: slot,
        name: "P",
        email: "p@example.test",
        answers,
      }),
    });
  const missing = await post(["A shop"]);
  t.equal(missing.status, 400, "the page requires the required question");
  const booked = await post(["A shop", "1", "", "ignored: disabled"]);
  t.equal(booked.status, 201);
  const { inviteeUri } = (await booked.json()) as { inviteeUri: string };
  t.same(fake.invitee(inviteeUri)!.questions_and_answers, [
    { question: "What would you like to build?", answer: "A shop", position: 0 },
    { question: "Team size", answer: "1", position: 1 },
  ]);

  await t.rejects(
    startFakeCalendly({
      token: "x",
      webhookSigningKey: "",
      eventTypes: [
        {
          userUuid: RIO,
          userSlug: "rio",
          userName: "Rio",
          userEmail: "rio@example.test",
          eventTypeUuid: MENTORING,
          slug: "m",
          name: "M",
          durationMinutes: 30,
          customQuestions: [{ name: "Pick", type: "single_select" }],
        },
      ],
    }),
    /needs answerChoices/,
  );
  t.throws(
    () =>
      fake.addUser({
        slug: "q",
        name: "Q",
        email: "q@example.test",
        eventTypes: [{ slug: "x", name: "X", durationMinutes: 30, customQuestions: [{ name: " " }] }],
      }),
    /needs a name/,
  );
  t.notOk(fake.user("q"), "nothing was created");
});

t.test("the seeded accounts ask questions: Liam's build session and Ada's pairing session", async (t) => {
  const liam = sandboxEventTypes[0]!;
  t.same(
    liam.customQuestions?.map((q) => [q.name, q.required ?? false]),
    [["What would you like to build?", false]],
    "one optional question",
  );
  const fake = await start(t, { eventTypes: sandboxEventTypes });
  const et = (await api(fake, PAT, `/event_types/${liam.eventTypeUuid}`)).body.resource;
  t.equal(et.custom_questions[0].name, "What would you like to build?");
  t.equal(et.custom_questions[0].type, "text");
  const ada = (await api(fake, (await tokensFor(fake, ADA)).access_token, `/event_types/${ADA_EVENT_TYPE}`)).body
    .resource;
  t.ok(ada.custom_questions.length > 0);
  t.ok(
    ada.custom_questions.every((q: { required: boolean }) => !q.required),
    "optional: page bookings without answers keep working",
  );
  const booked = await fake.schedule({
    eventTypeUuid: liam.eventTypeUuid,
    name: "No Answers",
    email: "n@example.test",
  });
  t.same(fake.invitee(booked.inviteeUri)!.questions_and_answers, []);
});

t.test("a fault after the booking: the invitee exists but the answer is lost", async (t) => {
  const fake = await start(t);
  const hook = await receiver(t);
  fake.setWebhookUrl(hook.url);
  const [a, b, c, d] = fake.availableTimes(MENTORING);

  fake.faults.next({ path: /^\/api\/invitees$/, method: "POST", after: true, drop: true });
  await t.rejects(book(fake, PAT, bookingBody(fake, a!)), "the connection closes without an answer");
  t.equal(fake.events.length, 1, "yet the booking was made");

  fake.faults.next({ path: /^\/api\/invitees$/, method: "POST", after: true, delayMs: 60_000 });
  const timedOut = fetch(`${fake.apiBase}/invitees`, {
    method: "POST",
    headers: { authorization: `Bearer ${PAT}`, "content-type": "application/json" },
    body: JSON.stringify(bookingBody(fake, b!)),
    signal: AbortSignal.timeout(300),
  });
  await t.rejects(timedOut, { name: "TimeoutError" }, "the caller gives up waiting");
  await until(() => fake.events.length === 2);
  t.equal(fake.events.length, 2, "booked while the answer was held back");

  fake.faults.next({ path: /^\/api\/invitees$/, method: "POST", after: true, status: 502 });
  const replaced = await book(fake, PAT, bookingBody(fake, c!));
  t.equal(replaced.status, 502);
  t.equal(replaced.body.title, "Internal Server Error");
  t.equal(fake.events.length, 3, "a 502 after the booking: booked all the same");

  fake.faults.next({ path: /^\/api\/invitees$/, method: "POST", after: true, delayMs: 50 });
  const late = await book(fake, PAT, bookingBody(fake, d!));
  t.equal(late.status, 201, "held back briefly, then answered");

  fake.faults.next({ path: /^\/api\/invitees$/, method: "POST", status: 503 });
  const before = await book(fake, PAT, bookingBody(fake, fake.availableTimes(MENTORING)[0]!));
  t.equal(before.status, 503);
  t.equal(fake.events.length, 4, "a fault before the request books nothing");

  t.same(
    fake.schedulingCalls(RIO).map((r) => [r.status, r.faulted]),
    [
      [null, true],
      [null, true],
      [502, true],
      [201, true],
      [503, true],
    ],
    "every call logged as Rio's, faulted",
  );
  await fake.flushWebhooks();
  t.equal(hook.got.filter((h) => h.body.event === "invitee.created").length, 4, "each booking sent invitee.created");
  t.throws(() => fake.faults.next({ path: /x/, drop: true, status: 502 }), /drop sends no status/);
});
