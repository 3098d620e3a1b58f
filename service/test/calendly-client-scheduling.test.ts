// The Calendly client's availability and Scheduling API calls against the sandbox's Calendly:
// listAvailableTimes, createInvitee (its success, each error kind, and no retry of its own on a 5xx,
// a timeout or a lost answer, since the booking may have been made), and the list filters a caller
// uses to find the invitee a lost answer booked (listScheduledEvents, listEventInvitees).
import { type FakeCalendly, sandboxUsers } from "@baw/sandbox";
import t, { type Test } from "tap";
import {
  type CalendlyClientOptions,
  CalendlyError,
  type CreateInviteeBody,
  createCalendlyClient,
} from "../src/providers/calendly.js";
import { ADA_EVENT_TYPE, LIAM_EVENT_TYPE, PAT, startOAuthFake, tokensFor } from "./helpers/fake-calendly-oauth.js";

const ADA = sandboxUsers[0]!.uuid!;
const DAY = 86_400_000;

async function start(t: Test, extra: Parameters<typeof startOAuthFake>[0] = {}): Promise<FakeCalendly> {
  const fake = await startOAuthFake({ schedulingTier: "enterprise", ...extra });
  t.teardown(() => fake.close());
  return fake;
}

function client(fake: FakeCalendly, overrides: Partial<CalendlyClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = createCalendlyClient({
    apiBase: fake.apiBase,
    token: PAT,
    timeoutMs: 5000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  return { c, sleeps };
}

async function rejection(promise: Promise<unknown>): Promise<CalendlyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CalendlyError) return error;
    throw error;
  }
  throw new Error("expected a CalendlyError");
}

const posts = (fake: FakeCalendly) => fake.requests.filter((r) => r.method === "POST" && r.path === "/api/invitees");

function body(fake: FakeCalendly, startTime: string, overrides: Partial<CreateInviteeBody> = {}): CreateInviteeBody {
  return {
    event_type: `${fake.apiBase}/event_types/${LIAM_EVENT_TYPE}`,
    start_time: startTime,
    invitee: { name: "Vera Visitor", email: "vera@example.test", timezone: "Europe/Berlin" },
    tracking: { utm_content: "bk_0001" },
    ...overrides,
  };
}

/** Resolves once `done()` holds (checked every 10 ms, for at most 20 s). */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("condition not reached within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

t.test("listAvailableTimes: the event type's free slots in the range", async (t) => {
  const fake = await start(t);
  const { c } = client(fake);
  const startTime = new Date(Date.now() + 60_000).toISOString();
  const endTime = new Date(Date.now() + 10 * DAY).toISOString();
  const times = await c.listAvailableTimes({
    eventType: `${fake.apiBase}/event_types/${LIAM_EVENT_TYPE}`,
    startTime,
    endTime,
  });
  t.ok(times.length > 10);
  t.same(
    times.map((x) => new Date(x.start_time).toISOString()),
    fake.availableTimes(LIAM_EVENT_TYPE, { from: startTime, to: endTime }),
  );
  t.same(Object.keys(times[0]!).sort(), ["invitees_remaining", "scheduling_url", "start_time", "status"]);

  const tooLong = await rejection(
    c.listAvailableTimes({
      eventType: `${fake.apiBase}/event_types/${LIAM_EVENT_TYPE}`,
      startTime,
      endTime: new Date(Date.parse(startTime) + 32 * DAY).toISOString(),
    }),
  );
  t.equal(tooLong.kind, "invalid");
  t.equal(tooLong.status, 400);
  t.equal(tooLong.retryable, false);
  t.same(tooLong.details, [{ parameter: "end_time", message: "date range can be no greater than 31 days" }]);
  const past = await rejection(
    c.listAvailableTimes({ eventType: LIAM_EVENT_TYPE, startTime: new Date(Date.now() - DAY).toISOString(), endTime }),
  );
  t.equal(past.kind, "invalid");
  t.same(past.details, [{ parameter: "start_time", message: "must be in the future" }]);
  const others = await rejection(
    c.listAvailableTimes({ eventType: `${fake.apiBase}/event_types/${ADA_EVENT_TYPE}`, startTime, endTime }),
  );
  t.equal(others.kind, "unauthorized", "another organization's event type: 403");
  t.equal(others.status, 403);
});

t.test("createInvitee books and answers the invitee", async (t) => {
  const fake = await start(t);
  const { c } = client(fake);
  const [slot] = fake.availableTimes(LIAM_EVENT_TYPE);
  const invitee = await c.createInvitee(
    body(fake, slot!, {
      invitee: { name: "Vera Visitor", first_name: "Vera", email: "vera@example.test", timezone: "Europe/Berlin" },
      event_guests: ["guest@example.test"],
    }),
  );
  t.equal(invitee.email, "vera@example.test");
  t.equal(invitee.first_name, "Vera");
  t.equal(invitee.tracking.utm_content, "bk_0001");
  t.equal(invitee.scheduling_method, "instant_book");
  t.equal(invitee.status, "active");
  const event = await c.getScheduledEvent(invitee.event);
  t.equal(new Date(event.start_time).toISOString(), slot);
  t.same(
    event.event_guests?.map((g) => g.email),
    ["guest@example.test"],
  );
  t.same(await c.getInvitee(invitee.event, invitee.uri), invitee, "read back as answered");
  t.equal(posts(fake).length, 1);
});

t.test("createInvitee's errors: each a CalendlyError of its kind, none retried", async (t) => {
  const fake = await start(t);
  const { c, sleeps } = client(fake);
  const [slot, other] = fake.availableTimes(LIAM_EVENT_TYPE);

  await fake.takeSlot({ eventType: LIAM_EVENT_TYPE, startTime: slot! });
  const taken = await rejection(c.createInvitee(body(fake, slot!)));
  t.equal(taken.kind, "invalid");
  t.equal(taken.status, 400);
  t.match(taken.message, /no longer available/);
  t.same(taken.details, [{ parameter: "start_time", message: "is no longer available" }], "the slot was taken");
  t.equal(taken.path, "/invitees");

  const badEmail = await rejection(
    c.createInvitee(body(fake, other!, { invitee: { name: "V", email: "nope", timezone: "UTC" } })),
  );
  t.equal(badEmail.kind, "invalid");
  t.same(badEmail.details, [{ parameter: "invitee.email", message: "is not a valid email address" }]);

  const unknown = await rejection(
    c.createInvitee(
      body(fake, other!, { event_type: `${fake.apiBase}/event_types/00000000-0000-4000-8000-000000000000` }),
    ),
  );
  t.equal(unknown.kind, "not_found");
  t.equal(unknown.status, 404);

  const foreign = await rejection(
    c.createInvitee(body(fake, other!, { event_type: `${fake.apiBase}/event_types/${ADA_EVENT_TYPE}` })),
  );
  t.equal(foreign.kind, "unauthorized");
  t.equal(foreign.status, 403);

  const reader = await tokensFor(fake, ADA, { scope: "event_types:read scheduled_events:read" });
  const noScope = await rejection(
    client(fake, { token: reader.access_token }).c.createInvitee({
      ...body(fake, fake.availableTimes(ADA_EVENT_TYPE)[0]!),
      event_type: `${fake.apiBase}/event_types/${ADA_EVENT_TYPE}`,
    }),
  );
  t.equal(noScope.kind, "unauthorized");
  t.same(noScope.details, [{ parameter: "scope", message: "requires the scheduled_events:write scope" }]);

  fake.setSchedulingTier(fake.userUri, "trial");
  fake.exhaustSchedulingBudget(fake.userUri);
  const before = posts(fake).length;
  const limited = await rejection(c.createInvitee(body(fake, other!)));
  t.equal(limited.kind, "rate_limited");
  t.equal(limited.status, 429);
  t.equal(limited.retryable, true, "retryable later, by the caller");
  t.ok(limited.retryAfterMs! > 3_600_000, `the day's reset (${limited.retryAfterMs} ms)`);
  t.equal(limited.attempts, 1);
  t.equal(posts(fake).length, before + 1, "one request: the client does not retry a booking");

  t.equal(fake.events.length, 1, "only the direct booking exists");
  t.same(sleeps, [], "never waited to retry");
});

t.test("createInvitee is not retried on a 5xx, a timeout or a lost answer", async (t) => {
  const fake = await start(t);
  const [a, b, c2] = fake.availableTimes(LIAM_EVENT_TYPE);
  const path = /^\/api\/invitees$/;

  const { c, sleeps } = client(fake, { maxRetries: 3 });
  fake.faults.next({ path, method: "POST", status: 502, times: 3 });
  const server = await rejection(c.createInvitee(body(fake, a!)));
  t.equal(server.kind, "server");
  t.equal(server.status, 502);
  t.equal(server.retryable, true);
  t.equal(server.attempts, 1);
  t.equal(posts(fake).length, 1, "one request although maxRetries is 3");
  t.equal(fake.events.length, 0, "a 502 before the booking: nothing booked");
  fake.faults.clear();

  const quick = client(fake, { timeoutMs: 400, maxRetries: 3 });
  fake.faults.next({ path, method: "POST", after: true, delayMs: 60_000 });
  const timeout = await rejection(quick.c.createInvitee(body(fake, b!, { tracking: { utm_content: "bk_lost" } })));
  t.equal(timeout.kind, "timeout");
  t.equal(timeout.attempts, 1);
  t.equal(posts(fake).length, 2, "one more request, no retry");
  await until(() => fake.events.length === 1);
  t.equal(fake.events.length, 1, "the booking was made although its answer never came");

  fake.faults.next({ path, method: "POST", after: true, drop: true });
  const dropped = await rejection(c.createInvitee(body(fake, c2!, { tracking: { utm_content: "bk_dropped" } })));
  t.equal(dropped.kind, "network");
  t.equal(dropped.attempts, 1);
  t.equal(posts(fake).length, 3);
  t.equal(fake.events.length, 2, "booked, answer lost");
  t.same(sleeps, []);
  t.same(quick.sleeps, []);

  // What a caller does next: find the invitee by e-mail and time, and check its tracking id.
  const found = await c.listScheduledEvents({
    user: fake.userUri,
    inviteeEmail: "vera@example.test",
    minStartTime: b!,
    maxStartTime: new Date(Date.parse(b!) + 1000).toISOString(),
    status: "active",
  });
  t.equal(found.collection.length, 1);
  const [invitee] = (await c.listEventInvitees(found.collection[0]!.uri, { email: "vera@example.test" })).collection;
  t.equal(invitee?.tracking.utm_content, "bk_lost");
});

t.test("listScheduledEvents and listEventInvitees pass their filters", async (t) => {
  const fake = await start(t);
  const { c } = client(fake);
  const [a, b, d] = fake.availableTimes(LIAM_EVENT_TYPE);
  const vera = await c.createInvitee(body(fake, a!));
  const walkIn = await fake.takeSlot({ eventType: LIAM_EVENT_TYPE, startTime: b!, email: "walkin@example.test" });
  const later = await c.createInvitee(body(fake, d!, { tracking: { utm_content: "bk_0002" } }));
  await fake.cancel(later.event);

  const uris = async (params: Parameters<typeof c.listScheduledEvents>[0]) =>
    (await c.listScheduledEvents(params)).collection.map((e) => e.uri);
  t.same(await uris({ user: fake.userUri }), [vera.event, walkIn.eventUri, later.event]);
  t.same(await uris({ user: fake.userUri, inviteeEmail: "vera@example.test" }), [vera.event, later.event]);
  t.same(await uris({ user: fake.userUri, inviteeEmail: "vera@example.test", status: "active" }), [vera.event]);
  t.same(await uris({ user: fake.userUri, status: "canceled" }), [later.event]);
  t.same(await uris({ user: fake.userUri, minStartTime: b! }), [walkIn.eventUri, later.event]);
  t.same(await uris({ user: fake.userUri, maxStartTime: b! }), [vera.event]);
  t.same(await uris({ organization: fake.organizationUri, inviteeEmail: "walkin@example.test" }), [walkIn.eventUri]);
  const page = await c.listScheduledEvents({ user: fake.userUri, count: 2 });
  t.equal(page.collection.length, 2);
  t.ok(page.pagination.next_page_token);
  const rest = await c.listScheduledEvents({
    user: fake.userUri,
    count: 2,
    pageToken: page.pagination.next_page_token!,
  });
  t.same(
    rest.collection.map((e) => e.uri),
    [later.event],
  );

  const bad = await rejection(c.listScheduledEvents({ user: fake.userUri, minStartTime: "soon" }));
  t.equal(bad.kind, "invalid");
  t.same(bad.details, [{ parameter: "min_start_time", message: "must be an ISO 8601 time" }]);

  const invitees = async (event: string, params: Parameters<typeof c.listEventInvitees>[1]) =>
    (await c.listEventInvitees(event, params)).collection.map((i) => i.uri);
  t.same(await invitees(vera.event, { email: "VERA@example.test" }), [vera.uri]);
  t.same(await invitees(vera.event, { email: "walkin@example.test" }), []);
  t.same(await invitees(vera.event, { status: "active" }), [vera.uri]);
  t.same(await invitees(vera.event, { status: "canceled" }), []);
  t.same(await invitees(later.event, { status: "canceled" }), [later.uri]);
  t.same(await invitees(later.event, {}), [later.uri]);
});
