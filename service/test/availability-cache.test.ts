// Available times in the domain, against a Calendly client the test controls: the canonical
// chunks, the window rules, the shared reads (coalescing), the TTL, invalidation (also of a read
// under way), failures never cached, the size bound, the webhook's invalidation, the fresh check
// of one slot, and our own visitors' holds.
import t from "tap";
import { AvailabilityCache } from "../src/domain/availability/cache.js";
import { CoalescingCache } from "../src/domain/availability/coalescing-cache.js";
import { availableTimes, isSlotOpen, payFirstEventType } from "../src/domain/availability/index.js";
import {
  chunksFor,
  DAY_MS,
  MAX_SPAN_MS,
  requestedWindow,
  START_MARGIN_MS,
} from "../src/domain/availability/windows.js";
import type { DomainContext } from "../src/domain/context.js";
import type { Builder, SessionType } from "../src/generated/prisma/client.js";
import { AppError } from "../src/lib/errors.js";
import { Metrics } from "../src/plugins/metrics.js";
import { type AvailableTime, type CalendlyClient, CalendlyError, type EventType } from "../src/providers/calendly.js";

const NOW = Date.parse("2026-11-26T20:30:00.000Z");
const HOUR = 3_600_000;

/** A promise and its resolvers, to hold a fake Calendly answer until the test lets it go. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Calendly's answer for a window: a slot on every full hour from 09:00 to 16:00 UTC. */
function workingHours(startTime: string, endTime: string): AvailableTime[] {
  const times: AvailableTime[] = [];
  const start = Date.parse(startTime);
  const end = Date.parse(endTime);
  for (let at = Math.ceil(start / HOUR) * HOUR; at < end; at += HOUR) {
    const hour = new Date(at).getUTCHours();
    if (hour >= 9 && hour <= 16) {
      times.push({
        status: "available",
        invitees_remaining: 1,
        start_time: new Date(at).toISOString(),
        scheduling_url: "https://calendly.com/x/y",
      });
    }
  }
  return times;
}

const EVENT_TYPE = "https://api.calendly.com/event_types/et-ada";
const USER = "https://api.calendly.com/users/user-ada";

function eventType(overrides: Partial<EventType> = {}): EventType {
  return {
    uri: EVENT_TYPE,
    duration: 60,
    custom_questions: [
      {
        name: "What shall we build?",
        type: "text",
        position: 1,
        enabled: true,
        required: true,
        answer_choices: [],
        include_other: false,
      },
      {
        name: "Off",
        type: "string",
        position: 0,
        enabled: false,
        required: false,
        answer_choices: [],
        include_other: false,
      },
      {
        name: "Level",
        type: "single_select",
        position: 2,
        enabled: true,
        required: false,
        answer_choices: ["new", "seasoned"],
        include_other: false,
      },
      {
        name: "Odd",
        type: "radio_buttons",
        position: 3,
        enabled: true,
        required: false,
        answer_choices: [],
        include_other: false,
      },
    ],
    ...overrides,
  } as EventType;
}

interface Harness {
  ctx: DomainContext;
  clock: { now: number };
  calls: Array<{ eventType: string; startTime: string; endTime: string }>;
  eventTypeReads: number;
  /** What listAvailableTimes answers (default: working hours, at once). */
  answer: (params: { startTime: string; endTime: string }) => Promise<AvailableTime[]>;
  held: Array<{ start: number; end: number }>;
  heldQueries: number;
  /** Calls that resolve a builder's event type from their event URL. */
  resolutions: number;
}

function harness(ttlSeconds = 60, maxEntries?: number): Harness {
  const clock = { now: NOW };
  const h: Harness = {
    clock,
    calls: [],
    eventTypeReads: 0,
    answer: async (p) => workingHours(p.startTime, p.endTime),
    held: [],
    heldQueries: 0,
    resolutions: 0,
    ctx: undefined as unknown as DomainContext,
  };
  const client = {
    listAvailableTimes: (params: { eventType: string; startTime: string; endTime: string }) => {
      h.calls.push(params);
      return h.answer(params);
    },
    getEventType: async () => {
      h.eventTypeReads++;
      return eventType();
    },
    getCurrentUser: async () => {
      h.resolutions++;
      return { uri: USER };
    },
    listEventTypes: async () => ({
      collection: [{ uri: EVENT_TYPE, scheduling_url: "https://calendly.com/ada/build" }],
      pagination: { next_page: null },
    }),
  } as unknown as CalendlyClient;
  h.ctx = {
    prisma: {
      builder: {
        update: async (args: { where: { id: string }; data: Partial<Builder> }) => builder(args.where.id, args.data),
      },
    },
    sql: {
      query: async () => {
        h.heldQueries++;
        return { rows: h.held };
      },
    },
    providers: { calendly: client },
    metrics: new Metrics(false),
    availability: new AvailabilityCache({ ttlSeconds, now: () => clock.now, ...(maxEntries ? { maxEntries } : {}) }),
    config: {},
    log: { info() {}, warn() {}, error() {}, debug() {} },
  } as unknown as DomainContext;
  return h;
}

const builder = (id = "b-ada", overrides: Partial<Builder> = {}) =>
  ({
    id,
    name: "Ada",
    calendlyConnectionStatus: null,
    calendlyEventTypeUri: EVENT_TYPE,
    calendlyUserUri: USER,
    calendlyEventUrl: "https://calendly.com/ada/build",
    bookingFlow: null,
    ...overrides,
  }) as Builder;
const sessionType = { id: "st-1", durationMinutes: 60, calendlyEventTypeUri: null } as unknown as SessionType;
const week = (from = NOW) => ({ from: new Date(from), to: new Date(from + 7 * DAY_MS) });

t.test(
  "chunks: the default week is one chunk, any window of 31 days at most two, each a valid Calendly request",
  async (t) => {
    const [chunk, ...rest] = chunksFor(NOW, NOW + 7 * DAY_MS, NOW);
    t.equal(rest.length, 0, "the widget's default week touches one chunk");
    t.equal(chunk!.key, "2026-11-26+0");
    t.equal(chunk!.start.getTime(), NOW + START_MARGIN_MS, "chunk 0 starts a minute from now");
    t.equal(chunk!.end.toISOString(), "2026-12-27T00:00:00.000Z", "and ends at the UTC midnight 31 days on");
    // Another visitor a few hours later the same UTC day asks for the same chunk.
    t.equal(chunksFor(NOW + 3 * HOUR, NOW + 10 * DAY_MS, NOW + 3 * HOUR)[0]!.key, chunk!.key);

    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 2000; i++) {
      const now = NOW + Math.floor(random() * DAY_MS);
      const from = now + Math.floor(random() * 200 * DAY_MS);
      const to = from + 1 + Math.floor(random() * MAX_SPAN_MS);
      const chunks = chunksFor(from, to, now);
      if (chunks.length < 1 || chunks.length > 2) t.fail(`window ${i} touches ${chunks.length} chunks`);
      for (const c of chunks) {
        if (c.start.getTime() <= now) t.fail(`chunk ${c.key} starts in the past`);
        if (c.end.getTime() - c.start.getTime() > MAX_SPAN_MS) t.fail(`chunk ${c.key} spans more than 31 days`);
        if (c.start.getTime() !== now + START_MARGIN_MS && c.start.getUTCHours() !== 0) t.fail("not on a UTC day");
      }
      if (Math.max(from, now + START_MARGIN_MS) < chunks[0]!.start.getTime() || chunks.at(-1)!.end.getTime() < to) {
        t.fail(`window ${i} is not covered`);
      }
      for (let k = 1; k < chunks.length; k++) {
        if (chunks[k]!.start.getTime() !== chunks[k - 1]!.end.getTime()) t.fail("chunks leave a gap");
      }
    }
    t.same(chunksFor(NOW, NOW + 30_000, NOW), [], "a window that ends before Calendly can be asked needs no call");
  },
);

t.test("the requested window: defaults, clamping, and 422s naming `to`", async (t) => {
  const iso = (ms: number) => new Date(ms).toISOString();
  t.same(requestedWindow({}, NOW), { from: new Date(NOW), to: new Date(NOW + 7 * DAY_MS) }, "the week from now");
  t.same(
    requestedWindow({ from: iso(NOW - DAY_MS), to: iso(NOW + DAY_MS) }, NOW),
    { from: new Date(NOW), to: new Date(NOW + DAY_MS) },
    "a from in the past counts from now",
  );
  t.same(requestedWindow({ from: iso(NOW + DAY_MS) }, NOW).to, new Date(NOW + 8 * DAY_MS), "to: a week after from");
  const refused = (query: { from?: string; to?: string }, message: RegExp) => {
    try {
      requestedWindow(query, NOW);
      t.fail(`accepted ${JSON.stringify(query)}`);
    } catch (error) {
      t.ok(error instanceof AppError);
      t.match(error, { statusCode: 422, code: "time_window_invalid", extra: { field: "to" }, message });
    }
  };
  refused({ from: iso(NOW + 2 * DAY_MS), to: iso(NOW + DAY_MS) }, /^to: must be after from/);
  refused({ to: iso(NOW - HOUR) }, /^to: must be in the future/);
  refused({ from: iso(NOW + DAY_MS), to: iso(NOW + 33 * DAY_MS) }, /^to: must be at most 31 days after from/);
  refused({ from: iso(NOW + 400 * DAY_MS), to: iso(NOW + 401 * DAY_MS) }, /366 days/);
  t.same(
    requestedWindow({ from: iso(NOW + DAY_MS), to: iso(NOW + 32 * DAY_MS) }, NOW).to,
    new Date(NOW + 32 * DAY_MS),
    "31 days exactly is accepted",
  );
});

t.test("twenty concurrent views of one builder share one Calendly call; the TTL then serves them", async (t) => {
  const h = harness(60);
  const held = deferred<AvailableTime[]>();
  h.answer = () => held.promise;
  const views = Array.from({ length: 20 }, () => availableTimes(h.ctx, builder(), sessionType, week()));
  // Let every view reach the cache before Calendly answers.
  await new Promise((r) => setImmediate(r));
  held.resolve(workingHours(new Date(NOW).toISOString(), new Date(NOW + 31 * DAY_MS).toISOString()));
  const answers = await Promise.all(views);
  t.equal(h.calls.length, 1, "one Calendly call for twenty views");
  t.equal(h.eventTypeReads, 1, "one read of the event type");
  t.equal(h.heldQueries, 20, "our own holds are read per view, never cached");
  t.same(new Set(answers.map((a) => JSON.stringify(a))).size, 1, "every view got the same answer");
  const first = answers[0]!;
  t.equal(first.times.length, 7 * 8, "eight a day, for the seven days from tomorrow");
  t.equal(first.times[0]!.startTime, "2026-11-27T09:00:00.000Z", "the earliest time first");
  t.equal(first.times[0]!.endTime, "2026-11-27T10:00:00.000Z", "ends after the event type's duration");
  t.equal(first.durationMinutes, 60);
  t.ok(
    first.times.every((x) => Date.parse(x.startTime) < NOW + 7 * DAY_MS),
    "within the window",
  );
  t.same(
    first.questions,
    [
      { position: 1, name: "What shall we build?", type: "text", required: true, answerChoices: [] },
      { position: 2, name: "Level", type: "single_select", required: false, answerChoices: ["new", "seasoned"] },
      { position: 3, name: "Odd", type: "string", required: false, answerChoices: [] },
    ],
    "enabled questions in order; an unknown kind asked as a line of text",
  );
  t.equal(h.calls[0]!.eventType, EVENT_TYPE);
  t.equal(h.calls[0]!.startTime, new Date(NOW + START_MARGIN_MS).toISOString());
  t.equal(h.calls[0]!.endTime, "2026-12-27T00:00:00.000Z");

  // Later views within the TTL, for other windows in the same chunk: no call.
  h.clock.now = NOW + 59_000;
  await availableTimes(h.ctx, builder(), sessionType, {
    from: new Date(NOW + DAY_MS),
    to: new Date(NOW + 20 * DAY_MS),
  });
  t.equal(h.calls.length, 1, "served from the cache within the TTL");
  const cached = await availableTimes(h.ctx, builder(), sessionType, week(h.clock.now));
  t.equal(cached.refreshedAt, new Date(NOW).toISOString(), "refreshedAt says when Calendly was read");

  h.clock.now = NOW + 60_000;
  const after = await availableTimes(h.ctx, builder(), sessionType, week(h.clock.now));
  t.equal(h.calls.length, 2, "read again once the TTL has passed");
  t.equal(h.eventTypeReads, 2, "the event type too");
  t.equal(after.refreshedAt, new Date(NOW + 60_000).toISOString());

  // A window across two chunks reads the second one too, once.
  await availableTimes(h.ctx, builder(), sessionType, {
    from: new Date(NOW + 25 * DAY_MS),
    to: new Date(NOW + 40 * DAY_MS),
  });
  t.equal(h.calls.length, 3, "one more call, for the second chunk");
  t.equal(h.calls[2]!.startTime, "2026-12-27T00:00:00.000Z", "chunk 1 starts on its UTC day");
});

t.test("TTL 0: no cache, but concurrent views still share one call", async (t) => {
  const h = harness(0);
  const held = deferred<AvailableTime[]>();
  h.answer = () => held.promise;
  const views = [1, 2, 3].map(() => availableTimes(h.ctx, builder(), sessionType, week()));
  await new Promise((r) => setImmediate(r));
  held.resolve([]);
  await Promise.all(views);
  t.equal(h.calls.length, 1);
  h.answer = async () => [];
  await availableTimes(h.ctx, builder(), sessionType, week());
  t.equal(h.calls.length, 2, "the next view reads Calendly again");
});

t.test("builders and event types have entries of their own", async (t) => {
  const h = harness(60);
  await availableTimes(h.ctx, builder("b-ada"), sessionType, week());
  await availableTimes(h.ctx, builder("b-bo"), sessionType, week());
  const ownType = { ...sessionType, id: "st-2", calendlyEventTypeUri: "https://api.calendly.com/event_types/et-2" };
  await availableTimes(h.ctx, builder("b-ada"), ownType as SessionType, week());
  t.equal(h.calls.length, 3);
  t.equal(h.calls[2]!.eventType, "https://api.calendly.com/event_types/et-2", "a session type's own event type first");
});

t.test("a failed read is not cached, and each waiting view hears the mapped error", async (t) => {
  const h = harness(60);
  h.answer = async () => {
    throw new CalendlyError({
      kind: "rate_limited",
      status: 429,
      title: "Too Many Requests",
      message: "slow down",
      retryable: true,
      retryAfterMs: 12_500,
    });
  };
  const views = await Promise.allSettled([1, 2].map(() => availableTimes(h.ctx, builder(), sessionType, week())));
  t.equal(h.calls.length, 1, "the two views shared the failed call");
  for (const v of views) {
    t.equal(v.status, "rejected");
    t.match((v as PromiseRejectedResult).reason, {
      statusCode: 429,
      code: "calendly_rate_limited",
      extra: { retryable: true, retryAfterSeconds: 13 },
    });
  }
  h.answer = async () => {
    throw new CalendlyError({ kind: "server", status: 503, title: "Unavailable", message: "down", retryable: true });
  };
  await t.rejects(availableTimes(h.ctx, builder(), sessionType, week()), {
    statusCode: 502,
    code: "calendly_unavailable",
    extra: { retryable: true },
  });
  t.equal(h.calls.length, 2, "the failure was not kept: Calendly is asked again");
  h.answer = async () => {
    throw new CalendlyError({ kind: "not_found", status: 404, title: "Not Found", message: "gone", retryable: false });
  };
  await t.rejects(availableTimes(h.ctx, builder(), sessionType, week()), {
    statusCode: 409,
    code: "pay_first_unavailable",
    message: /no_event_type/,
  });
  h.answer = async (p) => workingHours(p.startTime, p.endTime);
  const ok = await availableTimes(h.ctx, builder(), sessionType, week());
  t.ok(ok.times.length > 0, "and answers once Calendly does");
  t.equal(h.calls.length, 4);
});

t.test("invalidating a builder drops its entries; a read under way then does not fill the cache", async (t) => {
  const h = harness(60);
  await availableTimes(h.ctx, builder("b-ada"), sessionType, week());
  await availableTimes(h.ctx, builder("b-bo"), sessionType, week());
  t.equal(h.calls.length, 2);
  h.ctx.availability.invalidateBuilder("b-ada");
  await availableTimes(h.ctx, builder("b-ada"), sessionType, week());
  await availableTimes(h.ctx, builder("b-bo"), sessionType, week());
  t.equal(h.calls.length, 3, "Ada's times are read again, Bo's still cached");

  // A read starts, the builder's calendar changes while it is under way, then the read answers.
  h.ctx.availability.invalidateBuilder("b-ada");
  const stale = deferred<AvailableTime[]>();
  h.answer = () => stale.promise;
  const early = availableTimes(h.ctx, builder("b-ada"), sessionType, week());
  await new Promise((r) => setImmediate(r));
  t.equal(h.calls.length, 4);
  h.ctx.availability.invalidateBuilder("b-ada");
  // A view after the change does not join the read that predates it.
  h.answer = async () => [];
  const late = availableTimes(h.ctx, builder("b-ada"), sessionType, week());
  stale.resolve(workingHours(new Date(NOW).toISOString(), new Date(NOW + 31 * DAY_MS).toISOString()));
  t.ok((await early).times.length > 0, "the view that was waiting gets what was read");
  t.equal((await late).times.length, 0, "the later view got a read of its own");
  t.equal(h.calls.length, 5);
  const next = await availableTimes(h.ctx, builder("b-ada"), sessionType, week());
  t.equal(h.calls.length, 5, "the later read was cached");
  t.equal(next.times.length, 0, "and the earlier, stale read did not replace it");

  // The same with nothing read after the change: the stale read is not kept at all.
  h.ctx.availability.invalidateBuilder("b-ada");
  const again = deferred<AvailableTime[]>();
  h.answer = () => again.promise;
  const pending = availableTimes(h.ctx, builder("b-ada"), sessionType, week());
  await new Promise((r) => setImmediate(r));
  h.ctx.availability.invalidateBuilder("b-ada");
  again.resolve([]);
  await pending;
  h.answer = async (p) => workingHours(p.startTime, p.endTime);
  await availableTimes(h.ctx, builder("b-ada"), sessionType, week());
  t.equal(h.calls.length, 7, "the read that straddled the invalidation was not cached");
});

t.test(
  "a Calendly webhook invalidates the builders whose user hosts the event or whose event type it is",
  async (t) => {
    const h = harness(60);
    await availableTimes(h.ctx, builder("b-ada"), sessionType, week());
    await availableTimes(
      h.ctx,
      builder("b-bo", {
        calendlyUserUri: "https://api.calendly.com/users/user-bo",
        calendlyEventTypeUri: "https://api.calendly.com/event_types/et-bo",
      }),
      sessionType,
      week(),
    );
    const cache = h.ctx.availability;
    t.same(cache.invalidateForEvent(undefined), [], "an event without a scheduled event changes nothing");
    t.same(
      cache.invalidateForEvent({ event_type: "https://api.calendly.com/event_types/other", event_memberships: [] }),
      [],
      "nobody's event type, nobody's user",
    );
    t.same(
      cache.invalidateForEvent({
        event_type: "https://api.calendly.com/event_types/other",
        event_memberships: [{ user: "https://calendly.sandbox/users/user-bo" }],
      }),
      ["b-bo"],
      "Bo hosts it, on another of his event types (matched by UUID, whatever the host)",
    );
    t.same(cache.invalidateForEvent({ event_type: EVENT_TYPE }), ["b-ada"], "Ada's event type");
    const before = h.calls.length;
    await availableTimes(h.ctx, builder("b-ada"), sessionType, week());
    t.equal(h.calls.length, before + 1, "read again after the webhook");
  },
);

t.test("isSlotOpen: a fresh read of the slot's chunk, which then refreshes the cache", async (t) => {
  const h = harness(60);
  const first = await availableTimes(h.ctx, builder(), sessionType, week());
  const slot = new Date(first.times[3]!.startTime);
  t.equal(await isSlotOpen(h.ctx, builder(), sessionType, slot), true);
  t.equal(h.calls.length, 2, "the cache was not trusted");
  // Taken directly in Calendly meanwhile.
  h.answer = async (p) =>
    workingHours(p.startTime, p.endTime).filter((x) => Date.parse(x.start_time) !== slot.getTime());
  t.equal(await isSlotOpen(h.ctx, builder(), sessionType, slot), false);
  t.equal(h.calls.length, 3);
  const after = await availableTimes(h.ctx, builder(), sessionType, week());
  t.equal(h.calls.length, 3, "the fresh read refreshed the cached chunk");
  t.notOk(
    after.times.some((x) => x.startTime === slot.toISOString()),
    "the taken slot is gone from the cached answer",
  );
  t.equal(await isSlotOpen(h.ctx, builder(), sessionType, new Date(NOW + 30_000)), false, "too soon to ask");
  t.equal(await isSlotOpen(h.ctx, builder(), sessionType, new Date(Date.parse("2026-11-27T09:30:00Z"))), false);
  const far = new Date(Date.parse("2027-01-05T10:00:00Z"));
  t.equal(await isSlotOpen(h.ctx, builder(), sessionType, far), true, "a slot in a later chunk");
  t.equal(h.calls.at(-1)!.startTime, "2026-12-27T00:00:00.000Z", "read through its own chunk");
});

t.test("times our own visitors hold, or our database has booked, are left out, overlaps included", async (t) => {
  const h = harness(60);
  const at = (iso: string) => new Date(iso);
  h.held = [
    { start: Date.parse("2026-11-27T10:00:00Z"), end: Date.parse("2026-11-27T11:00:00Z") },
    // A 90-minute session from 13:30 blocks 13:00 and 14:00 too.
    { start: Date.parse("2026-11-27T13:30:00Z"), end: Date.parse("2026-11-27T15:00:00Z") },
  ];
  const answer = await availableTimes(h.ctx, builder(), sessionType, {
    from: at("2026-11-27T00:00:00Z"),
    to: at("2026-11-28T00:00:00Z"),
  });
  t.same(
    answer.times.map((x) => x.startTime.slice(11, 16)),
    ["09:00", "11:00", "12:00", "15:00", "16:00"],
  );
});

t.test("payFirstEventType: the event type, its duration and questions for the reservation", async (t) => {
  const h = harness(60);
  const facts = await payFirstEventType(h.ctx, builder(), sessionType);
  t.equal(facts.uri, EVENT_TYPE);
  t.equal(facts.durationMinutes, 60);
  t.equal(facts.questions.length, 3);
  await payFirstEventType(h.ctx, builder(), sessionType);
  t.equal(h.eventTypeReads, 1, "cached like the times");
  await t.rejects(
    payFirstEventType(h.ctx, builder("b-x", { calendlyEventTypeUri: null, calendlyUserUri: USER }), sessionType),
    { statusCode: 409, code: "pay_first_unavailable", message: /no_event_type/ },
    "no event type and none to resolve",
  );
});

t.test("a builder's unknown event type is resolved once from their event URL, and kept", async (t) => {
  const h = harness(60);
  const unresolved = builder("b-new", { calendlyEventTypeUri: null, calendlyUserUri: null });
  const views = await Promise.all([1, 2, 3].map(() => availableTimes(h.ctx, unresolved, sessionType, week())));
  t.ok(views.every((v) => v.times.length > 0));
  t.equal(h.resolutions, 1, "concurrent views shared the resolution");
  t.equal(h.calls[0]!.eventType, EVENT_TYPE, "and read the times of the event type it found");
  // A caller still holding the builder as it was before the resolution was stored.
  await availableTimes(h.ctx, unresolved, sessionType, week());
  t.equal(h.resolutions, 1, "the resolution was kept");
});

t.test("the cache keeps at most maxEntries, dropping the least recently used", async (t) => {
  let now = 0;
  const cache = new CoalescingCache<string>({ ttlMs: 1000, maxEntries: 2, now: () => now });
  let loads = 0;
  const load = (v: string) => async () => {
    loads++;
    return v;
  };
  await cache.get("b", "k1", load("1"));
  await cache.get("b", "k2", load("2"));
  now = 1;
  await cache.get("b", "k1", load("x")); // a hit: k1 is now the most recently used
  await cache.get("b", "k3", load("3"));
  t.equal(cache.size, 2);
  t.equal(loads, 3);
  t.equal((await cache.get("b", "k1", load("x"))).value, "1", "k1 kept");
  t.equal((await cache.get("b", "k2", load("2b"))).value, "2b", "k2 was evicted and read again");
  t.equal(loads, 4);
});
