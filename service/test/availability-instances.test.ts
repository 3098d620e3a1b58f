// Available times across instances: a Calendly booking webhook reaches one instance, and with
// REDIS_URL set every other instance drops what it read for that builder at once, so no instance
// offers a time booked through another for the rest of its TTL. Also the message's reading.
import t from "tap";
import { liamCalendly } from "../src/db/seed.js";
import { INVALIDATION_CHANNEL, readInvalidation } from "../src/plugins/availability.js";
import { buildTestApp, type TestApp, waitFor } from "./helpers/app.js";

const EVENT_TYPE = `https://api.calendly.com/event_types/${liamCalendly.eventTypeUuid}`;

t.test("another instance's message is applied; its own, and anything else, are not", async (t) => {
  t.equal(INVALIDATION_CHANNEL, "baw:availability:invalidate");
  t.same(readInvalidation(JSON.stringify({ origin: "b", builderId: "x" }), "a"), { builderId: "x" });
  t.same(readInvalidation(JSON.stringify({ origin: "b", event: { event_type: "https://e/1" } }), "a"), {
    event: { event_type: "https://e/1" },
  });
  t.equal(readInvalidation(JSON.stringify({ origin: "a", builderId: "x" }), "a"), null, "its own message");
  t.equal(readInvalidation("not json", "a"), null);
  t.equal(readInvalidation(JSON.stringify({ builderId: "x" }), "a"), null, "no origin");
  t.equal(readInvalidation(JSON.stringify({ origin: "b", event: { event_type: 7 } }), "a"), null);
  t.equal(readInvalidation("null", "a"), null);
});

const availabilityReads = (h: TestApp) =>
  h.calendly.requests.filter((r) => r.path.includes("/event_type_available_times")).length;

async function times(h: TestApp): Promise<string[]> {
  const res = await h.app.inject({ method: "GET", url: "/v1/builders/liam/available-times", headers: h.siteHeaders });
  if (res.statusCode !== 200) throw new Error(`available times: ${res.statusCode} ${res.body}`);
  return (res.json() as { times: { startTime: string }[] }).times.map((x) => x.startTime);
}

t.test("a booking webhook on one instance clears every instance's times (Redis)", async (t) => {
  const env = { REDIS_URL: "redis://127.0.0.1:6379", AVAILABILITY_CACHE_SECONDS: "600", RATE_LIMIT_MAX: "100000" };
  const a = await buildTestApp({ database: "postgres", env });
  const b = await buildTestApp({ shareWith: a, env });
  t.teardown(async () => {
    await b.close();
    await a.close();
  });
  const first = await times(b);
  const reads = availabilityReads(a);
  t.ok(first.length > 2, "b read Liam's times");
  await times(b);
  t.equal(availabilityReads(a), reads, "and keeps them (a 10-minute TTL)");

  // Someone books b's first time directly in Calendly; the webhook goes to a.
  const taken = first[0]!;
  await a.calendly.takeSlot({ eventType: EVENT_TYPE, startTime: taken });
  await a.calendly.flushWebhooks();
  const after = await waitFor(
    async () => {
      const now = await times(b);
      return now.includes(taken) ? null : now;
    },
    10_000,
    "b to drop the time booked through a's webhook",
  );
  t.notOk(after.includes(taken), "b no longer offers the taken time");
  t.ok(availabilityReads(a) > reads, "b read Calendly again, long before its TTL");
  t.ok(after.includes(first[1]!), "the other times are still offered");
});
