import { createServer } from "node:net";
import { type FakeCalendly, startFakeCalendly } from "@baw/sandbox";
import t from "tap";
import {
  type CalendlyClientOptions,
  CalendlyError,
  createCalendlyClient,
  uuidFromUri,
} from "../src/providers/calendly.js";

const TOKEN = "sandbox-token";
const HOST_UUID = "0b8f2c3e-0000-4000-8000-000000000001";
const EVENT_TYPE_UUID = "0b8f2c3e-0000-4000-8000-0000000000e1";

let fake: FakeCalendly;

t.before(async () => {
  fake = await startFakeCalendly({
    token: TOKEN,
    webhookSigningKey: "calendly-signing-key",
    webhookUrl: "http://127.0.0.1:9/unused",
    webhookRetryDelaysMs: [],
    eventTypes: [
      {
        userUuid: HOST_UUID,
        userSlug: "ada",
        userName: "Ada Builder",
        userEmail: "ada@example.test",
        eventTypeUuid: EVENT_TYPE_UUID,
        slug: "intro-call",
        name: "Intro call",
        durationMinutes: 30,
      },
    ],
  });
});

t.teardown(() => fake.close());

function client(overrides: Partial<CalendlyClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = createCalendlyClient({
    apiBase: fake.apiBase,
    token: TOKEN,
    timeoutMs: 2000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  return { c, sleeps };
}

function requestsTo(pathPart: string, since: number) {
  return fake.requests.slice(since).filter((r) => r.path.includes(pathPart));
}

async function rejection(promise: Promise<unknown>): Promise<CalendlyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CalendlyError) return error;
    throw error;
  }
  throw new Error("expected a CalendlyError, but the call succeeded");
}

t.test("uuidFromUri takes the last path segment whatever the host", async (t) => {
  t.equal(uuidFromUri("https://api.calendly.com/scheduled_events/ABC-123"), "ABC-123");
  t.equal(uuidFromUri("http://127.0.0.1:4000/api/scheduled_events/e1/invitees/i9"), "i9");
  t.equal(uuidFromUri("https://api.calendly.com/users/u1/"), "u1");
  t.equal(uuidFromUri("https://calendly.com/x/y?utm_content=z#frag"), "y");
  t.equal(uuidFromUri("plain-uuid"), "plain-uuid");
  t.equal(uuidFromUri(""), "");
});

t.test("getCurrentUser returns the token owner with an organization", async (t) => {
  const { c } = client();
  const me = await c.getCurrentUser();
  t.equal(uuidFromUri(me.uri), HOST_UUID);
  t.equal(me.slug, "ada");
  t.equal(me.current_organization, fake.organizationUri);
});

t.test("event and invitee round-trip utm_content from the schedule call", async (t) => {
  const { c } = client();
  const attempt = `att_${Math.random().toString(36).slice(2)}`;
  const booked = await fake.schedule({
    eventTypeUuid: EVENT_TYPE_UUID,
    name: "Grace Visitor",
    email: "grace@example.test",
    utmContent: attempt,
    utmSource: "baw",
  });
  const event = await c.getScheduledEvent(booked.eventUri);
  t.equal(event.uri, booked.eventUri);
  t.equal(event.status, "active");
  t.equal(uuidFromUri(event.event_type), EVENT_TYPE_UUID);
  t.equal(uuidFromUri(event.event_memberships[0]!.user), HOST_UUID);
  t.equal(new Date(event.end_time).getTime() - new Date(event.start_time).getTime(), 30 * 60_000);

  // By bare UUIDs too: the client strips whatever host the URI carries.
  const invitee = await c.getInvitee(uuidFromUri(booked.eventUri), uuidFromUri(booked.inviteeUri));
  t.equal(invitee.uri, booked.inviteeUri);
  t.equal(invitee.event, booked.eventUri);
  t.equal(invitee.email, "grace@example.test");
  t.equal(invitee.status, "active");
  t.equal(invitee.tracking.utm_content, attempt);
  t.equal(invitee.tracking.utm_source, "baw");
  t.equal(invitee.tracking.utm_term, null);
});

t.test("cancelEvent answers 201 once, then is idempotent", async (t) => {
  const { c } = client();
  const booked = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Lin", email: "lin@example.test" });
  const since = fake.requests.length;

  const first = await c.cancelEvent(booked.eventUri, "payment expired");
  t.equal(first.alreadyCanceled, false);
  t.equal(first.cancellation?.canceler_type, "host");
  t.equal(first.cancellation?.reason, "payment expired");
  t.same(
    requestsTo("/cancellation", since).map((r) => [r.method, r.status]),
    [["POST", 201]],
  );

  const second = await c.cancelEvent(booked.eventUri, "payment expired");
  t.same(second, { alreadyCanceled: true, inThePast: false, cancellation: null });
  t.equal(requestsTo("/cancellation", since)[1]?.status, 403, "Calendly refuses the second cancellation");

  const cancellations = fake.cancellations.filter((x) => x.eventUri === booked.eventUri);
  t.equal(cancellations.length, 1, "cancelled exactly once");
  t.equal((await c.getScheduledEvent(booked.eventUri)).status, "canceled");
  t.equal((await c.getInvitee(booked.eventUri, booked.inviteeUri)).status, "canceled");
});

t.test(
  "an event that already started: Calendly answers 403 Event in the past; cancelEvent reports it as done",
  async (t) => {
    const { c } = client();
    const booked = await fake.schedule({
      eventTypeUuid: EVENT_TYPE_UUID,
      name: "Pat",
      email: "pat@example.test",
      startTime: new Date(Date.now() - 30 * 60_000),
    });
    const res = await fetch(`${fake.apiBase}/scheduled_events/${booked.eventUri.split("/").pop()}/cancellation`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: "{}",
    });
    t.equal(res.status, 403);
    t.same(await res.json(), { title: "Permission Denied", message: "Event in the past" });

    const result = await c.cancelEvent(booked.eventUri, "payment failed");
    t.same(result, { alreadyCanceled: false, inThePast: true, cancellation: null });
    t.equal((await c.getScheduledEvent(booked.eventUri)).status, "active", "the past event is left as it was");
    t.equal(fake.cancellations.filter((x) => x.eventUri === booked.eventUri).length, 0);
  },
);

t.test("cancelEvent after the invitee canceled is success, not an error", async (t) => {
  const { c } = client();
  const booked = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Mo", email: "mo@example.test" });
  await fake.cancel(booked.eventUri, { reason: "changed my mind" });
  t.same(await c.cancelEvent(booked.eventUri), { alreadyCanceled: true, inThePast: false, cancellation: null });
});

t.test("a 403 on cancellation is read from the event, whatever its wording", async (t) => {
  // Calendly's 403 body is prose only: the client must not depend on its words.
  const reworded: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.status !== 403) return res;
    const body = JSON.stringify({ title: "Permission Denied", message: "You cannot do that" });
    return new Response(body, { status: 403, headers: { "content-type": "application/json" } });
  };
  const { c } = client({ fetch: reworded });
  const canceled = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Io", email: "io@example.test" });
  await fake.cancel(canceled.eventUri, { reason: "changed my mind" });
  t.same(await c.cancelEvent(canceled.eventUri), { alreadyCanceled: true, inThePast: false, cancellation: null });
  const past = await fake.schedule({
    eventTypeUuid: EVENT_TYPE_UUID,
    name: "Al",
    email: "al@example.test",
    startTime: new Date(Date.now() - 3 * 60 * 60_000),
  });
  t.same(await c.cancelEvent(past.eventUri), { alreadyCanceled: false, inThePast: true, cancellation: null });

  // A 403 on an event that is neither canceled nor started is a real refusal.
  const refusing: typeof fetch = async (input, init) =>
    init?.method === "POST"
      ? new Response(JSON.stringify({ title: "Permission Denied", message: "Event is already canceled" }), {
          status: 403,
          headers: { "content-type": "application/json" },
        })
      : fetch(input, init);
  const future = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Bo", email: "bo@example.test" });
  const refused = await client({ fetch: refusing })
    .c.cancelEvent(future.eventUri)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  t.match(refused, { name: "CalendlyError", status: 403 }, "the refusal is passed on");
});

t.test("a bad token is unauthorized and not retried", async (t) => {
  const { c, sleeps } = client({ token: "wrong" });
  const since = fake.requests.length;
  const error = await rejection(c.getCurrentUser());
  t.equal(error.kind, "unauthorized");
  t.equal(error.status, 401);
  t.equal(error.title, "Unauthenticated");
  t.equal(error.retryable, false);
  t.equal(requestsTo("/users/me", since).length, 1);
  t.same(sleeps, []);
});

t.test("an unknown event is not_found and not retried", async (t) => {
  const { c } = client();
  const since = fake.requests.length;
  const error = await rejection(c.getScheduledEvent("00000000-0000-4000-8000-000000000000"));
  t.equal(error.kind, "not_found");
  t.equal(error.status, 404);
  t.equal(error.title, "Resource Not Found");
  t.equal(error.retryable, false);
  t.equal(requestsTo("/scheduled_events/", since).length, 1);
});

t.test("other 4xx are invalid and never retried", async (t) => {
  const { c } = client();
  const since = fake.requests.length;
  const error = await rejection(c.listWebhookSubscriptions({ organization: "", scope: "organization" }));
  t.equal(error.kind, "invalid");
  t.equal(error.status, 400);
  t.equal(error.retryable, false);
  t.ok(Array.isArray(error.details), "Calendly's details are kept");
  t.equal(requestsTo("/webhook_subscriptions", since).length, 1);
});

t.test("429 with X-RateLimit-Reset: 1 waits that long, then succeeds", async (t) => {
  const { c, sleeps } = client();
  fake.faults.next({ path: /\/api\/users\/me$/, status: 429, resetSeconds: 1 });
  const since = fake.requests.length;
  const me = await c.getCurrentUser();
  t.equal(uuidFromUri(me.uri), HOST_UUID);
  t.equal(sleeps.length, 1);
  t.ok(sleeps[0]! >= 1000, `waited ${sleeps[0]} ms`);
  t.same(
    requestsTo("/users/me", since).map((r) => r.status),
    [429, 200],
  );
});

t.test("429 asking for longer than the cap gives up at once with rate_limited", async (t) => {
  const { c, sleeps } = client({ maxRateLimitWaitMs: 10_000 });
  fake.faults.next({ path: /\/api\/users\/me$/, status: 429, resetSeconds: 60 });
  const error = await rejection(c.getCurrentUser());
  t.equal(error.kind, "rate_limited");
  t.equal(error.status, 429);
  t.equal(error.retryable, true);
  t.equal(error.retryAfterMs, 60_000);
  t.same(sleeps, [], "did not wait a minute");
});

t.test("503 twice, then success, with backoff between attempts", async (t) => {
  const { c, sleeps } = client();
  const booked = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Ola", email: "ola@example.test" });
  fake.faults.next({ path: /\/api\/scheduled_events\/[^/]+$/, status: 503, times: 2 });
  const since = fake.requests.length;
  const event = await c.getScheduledEvent(booked.eventUri);
  t.equal(event.uri, booked.eventUri);
  t.equal(sleeps.length, 2);
  t.ok(
    sleeps.every((ms) => ms > 0),
    "backs off",
  );
  t.same(
    requestsTo("/scheduled_events/", since).map((r) => r.status),
    [503, 503, 200],
  );
});

t.test("POST cancellation is retried after a 500 and cancels once", async (t) => {
  const { c } = client();
  const booked = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Pia", email: "pia@example.test" });
  fake.faults.next({ path: /\/cancellation$/, method: "POST", status: 500 });
  const result = await c.cancelEvent(booked.eventUri);
  t.equal(result.alreadyCanceled, false);
  t.equal(fake.cancellations.filter((x) => x.eventUri === booked.eventUri).length, 1);
});

t.test("a response slower than timeoutMs is a timeout, retried maxRetries times", async (t) => {
  const { c, sleeps } = client({ timeoutMs: 80, maxRetries: 2 });
  fake.faults.next({ path: /\/api\/users\/me$/, delayMs: 2000, times: 3 });
  const since = fake.requests.length;
  const started = Date.now();
  const error = await rejection(c.getCurrentUser());
  t.equal(error.kind, "timeout");
  t.equal(error.status, null);
  t.equal(error.retryable, true, "exhausted retries still report retryable");
  t.equal(error.attempts, 3);
  t.equal(requestsTo("/users/me", since).length, 3);
  t.equal(sleeps.length, 2);
  t.ok(Date.now() - started < 1500, "each attempt was cut off at the timeout");
});

t.test("exhausted 5xx retries report retryable server errors", async (t) => {
  const { c } = client({ maxRetries: 2 });
  fake.faults.next({ path: /\/api\/users\/me$/, status: 500, times: 3 });
  const error = await rejection(c.getCurrentUser());
  t.equal(error.kind, "server");
  t.equal(error.status, 500);
  t.equal(error.retryable, true);
  t.equal(error.attempts, 3);
  t.equal(fake.faults.pending, 0);
});

t.test("an unreachable API is a retryable network error", async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });
  const { c, sleeps } = client({ apiBase: `http://127.0.0.1:${port}/api`, maxRetries: 1 });
  const error = await rejection(c.getCurrentUser());
  t.equal(error.kind, "network");
  t.equal(error.retryable, true);
  t.equal(error.attempts, 2);
  t.equal(sleeps.length, 1);
});

t.test("a malformed UUID is rejected before any request", async (t) => {
  const { c } = client();
  const since = fake.requests.length;
  const error = await rejection(c.getScheduledEvent("https://api.calendly.com/scheduled_events/../../x y"));
  t.equal(error.kind, "invalid");
  t.equal(fake.requests.length, since);
});

t.test("event types and webhook subscriptions list in Calendly's collection shape", async (t) => {
  const { c } = client();
  const me = await c.getCurrentUser();
  const types = await c.listEventTypes({ user: me.uri });
  t.equal(types.collection.length, 1);
  t.equal(types.pagination.count, 1);
  t.equal(types.pagination.next_page, null);
  const et = types.collection[0]!;
  t.equal(et.scheduling_url, `${fake.url}/ada/intro-call`);
  t.equal(et.duration, 30);
  t.same(await c.getEventType(et.uri), et);

  const subs = await c.listWebhookSubscriptions({ organization: me.current_organization, scope: "organization" });
  t.equal(subs.collection.length, 1);
  const sub = subs.collection[0]!;
  t.equal(sub.callback_url, "http://127.0.0.1:9/unused");
  t.equal(sub.state, "active");
  t.same([...sub.events].sort(), ["invitee.canceled", "invitee.created"]);
  t.equal(sub.has_signing_key, true);
});

t.test("every API response carries X-RateLimit-* headers", async (t) => {
  const ok = await fetch(`${fake.apiBase}/users/me`, { headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(ok.status, 200);
  t.equal(ok.headers.get("x-ratelimit-limit"), "500");
  t.match(ok.headers.get("x-ratelimit-remaining"), /^\d+$/);
  t.match(ok.headers.get("x-ratelimit-reset"), /^\d+$/);
  const unauthorized = await fetch(`${fake.apiBase}/users/me`);
  t.equal(unauthorized.status, 401);
  t.same(await unauthorized.json(), { title: "Unauthenticated", message: "The access token is missing" });
  t.ok(unauthorized.headers.get("x-ratelimit-reset"));
  fake.faults.next({ path: /\/api\/users\/me$/, status: 429, resetSeconds: 7 });
  const limited = await fetch(`${fake.apiBase}/users/me`, { headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(limited.status, 429);
  t.equal(limited.headers.get("x-ratelimit-remaining"), "0");
  t.equal(limited.headers.get("x-ratelimit-reset"), "7");
});
