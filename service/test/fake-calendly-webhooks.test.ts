import { createServer, type Server } from "node:http";
import { type FakeCalendly, startFakeCalendly } from "@baw/sandbox";
import t from "tap";
import { type CalendlyWebhookBody, createCalendlyClient, uuidFromUri } from "../src/providers/calendly.js";
import { verifySignature } from "../src/providers/webhook-signature.js";

const TOKEN = "sandbox-token";
const KEY = "calendly-webhook-signing-key";
const EVENT_TYPE_UUID = "5d1c0c55-0000-4000-8000-0000000000e1";

interface Received {
  signature: string | undefined;
  raw: string;
  body: CalendlyWebhookBody;
}

/** A webhook endpoint that records deliveries and answers with queued statuses (then 200). */
async function receiver(): Promise<{ url: string; got: Received[]; answers: number[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const header = req.headers["calendly-webhook-signature"];
      got.push({ signature: Array.isArray(header) ? header[0] : header, raw, body: JSON.parse(raw) });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhooks/calendly`,
    got,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function start(webhookUrl: string | undefined, retryDelaysMs = [20, 20, 20]): Promise<FakeCalendly> {
  const options: Parameters<typeof startFakeCalendly>[0] = {
    token: TOKEN,
    webhookSigningKey: KEY,
    webhookRetryDelaysMs: retryDelaysMs,
    eventTypes: [
      {
        userUuid: "5d1c0c55-0000-4000-8000-000000000001",
        userSlug: "kai",
        userName: "Kai Builder",
        userEmail: "kai@example.test",
        eventTypeUuid: EVENT_TYPE_UUID,
        slug: "session",
        name: "Build session",
        durationMinutes: 45,
      },
    ],
  };
  if (webhookUrl) options.webhookUrl = webhookUrl;
  return startFakeCalendly(options);
}

t.test("invitee.created is signed and carries tracking and the scheduled event", async (t) => {
  const hook = await receiver();
  const fake = await start(hook.url);
  t.teardown(async () => {
    await fake.close();
    await hook.close();
  });

  const booked = await fake.schedule({
    eventTypeUuid: EVENT_TYPE_UUID,
    name: "Ines Visitor",
    email: "ines@example.test",
    utmContent: "att_42",
  });
  await fake.flushWebhooks();

  t.equal(hook.got.length, 1);
  const [delivery] = hook.got;
  const check = verifySignature(delivery!.signature, delivery!.raw, KEY, 180);
  t.ok(check.ok, "signature verifies over the raw body");
  t.notOk(verifySignature(delivery!.signature, delivery!.raw, "another-key", 180).ok, "and not with another key");
  t.notOk(verifySignature(delivery!.signature, `${delivery!.raw} `, KEY, 180).ok, "and not over other bytes");

  const body = delivery!.body;
  t.equal(body.event, "invitee.created");
  t.match(body.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  t.equal(body.created_by, fake.userUri);
  t.equal(body.payload.uri, booked.inviteeUri);
  t.equal(body.payload.event, booked.eventUri);
  t.equal(body.payload.status, "active");
  t.equal(body.payload.email, "ines@example.test");
  t.equal(body.payload.tracking.utm_content, "att_42");
  t.equal(body.payload.scheduled_event.uri, booked.eventUri);
  t.equal(body.payload.scheduled_event.status, "active");
  t.equal(uuidFromUri(body.payload.scheduled_event.event_type), EVENT_TYPE_UUID);

  t.equal(fake.deliveries.length, 1);
  t.equal(fake.deliveries[0]!.state, "delivered");
  t.equal(fake.deliveries[0]!.body, delivery!.raw, "the log keeps the exact bytes sent");
});

t.test("the API cancellation sends invitee.canceled from the host", async (t) => {
  const hook = await receiver();
  const fake = await start(hook.url);
  t.teardown(async () => {
    await fake.close();
    await hook.close();
  });
  const booked = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Jo", email: "jo@example.test" });
  const client = createCalendlyClient({ apiBase: fake.apiBase, token: TOKEN });
  await client.cancelEvent(booked.eventUri, "not paid");
  await client.cancelEvent(booked.eventUri, "not paid");
  await fake.flushWebhooks();

  t.same(
    hook.got.map((d) => d.body.event),
    ["invitee.created", "invitee.canceled"],
    "one invitee.canceled, although cancelEvent was called twice",
  );
  const canceled = hook.got[1]!.body.payload;
  t.equal(canceled.uri, booked.inviteeUri);
  t.equal(canceled.status, "canceled");
  t.equal(canceled.rescheduled, false);
  t.equal(canceled.cancellation?.canceler_type, "host");
  t.equal(canceled.cancellation?.reason, "not paid");
  t.equal(canceled.scheduled_event.status, "canceled");
  t.ok(verifySignature(hook.got[1]!.signature, hook.got[1]!.raw, KEY, 180).ok);
});

t.test("reschedule: invitee.canceled (rescheduled) then invitee.created, linked both ways", async (t) => {
  const hook = await receiver();
  const fake = await start(hook.url);
  t.teardown(async () => {
    await fake.close();
    await hook.close();
  });
  const booked = await fake.schedule({
    eventTypeUuid: EVENT_TYPE_UUID,
    name: "Noor",
    email: "noor@example.test",
    utmContent: "att_7",
  });
  const newStart = new Date(Date.now() + 10 * 86_400_000);
  newStart.setUTCHours(14, 0, 0, 0);
  const moved = await fake.reschedule(booked.inviteeUri, newStart);
  await fake.flushWebhooks();

  t.same(
    hook.got.map((d) => d.body.event),
    ["invitee.created", "invitee.canceled", "invitee.created"],
  );
  const old = hook.got[1]!.body.payload;
  const created = hook.got[2]!.body.payload;
  t.equal(old.uri, booked.inviteeUri);
  t.equal(old.rescheduled, true);
  t.equal(old.new_invitee, moved.inviteeUri);
  t.equal(old.cancellation?.canceler_type, "invitee");
  t.equal(created.uri, moved.inviteeUri);
  t.equal(created.old_invitee, booked.inviteeUri);
  t.equal(created.rescheduled, false);
  t.equal(created.tracking.utm_content, "att_7", "tracking carries over to the new invitee");
  t.equal(created.scheduled_event.uri, moved.eventUri);
  t.not(moved.eventUri, booked.eventUri);
  t.equal(new Date(created.scheduled_event.start_time).getTime(), newStart.getTime());
  t.equal(fake.event(booked.eventUri)?.status, "canceled");
  t.equal(fake.cancellations.length, 1);
  t.equal(fake.cancellations[0]!.source, "reschedule");
});

t.test("a failing endpoint is retried until it answers 2xx", async (t) => {
  const hook = await receiver();
  hook.answers.push(500, 503);
  const fake = await start(hook.url);
  t.teardown(async () => {
    await fake.close();
    await hook.close();
  });
  await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Ro", email: "ro@example.test" });
  await fake.flushWebhooks();
  const delivery = fake.deliveries[0]!;
  t.same(
    delivery.attempts.map((a) => a.status),
    [500, 503, 200],
  );
  t.equal(delivery.state, "delivered");
  t.equal(hook.got.length, 3);
  t.equal(new Set(hook.got.map((g) => g.raw)).size, 1, "every attempt sends the same body");
  for (const g of hook.got) t.ok(verifySignature(g.signature, g.raw, KEY, 180).ok);
});

t.test("retries are bounded", async (t) => {
  const hook = await receiver();
  hook.answers.push(500, 500, 500, 500, 500);
  const fake = await start(hook.url, [10, 10]);
  t.teardown(async () => {
    await fake.close();
    await hook.close();
  });
  await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Sy", email: "sy@example.test" });
  await fake.flushWebhooks();
  t.equal(fake.deliveries[0]!.attempts.length, 3);
  t.equal(fake.deliveries[0]!.state, "failed");
});

t.test("without a webhook URL nothing is sent; redeliver sends it later with a fresh signature", async (t) => {
  const hook = await receiver();
  const fake = await start(undefined);
  t.teardown(async () => {
    await fake.close();
    await hook.close();
  });
  const booked = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Ty", email: "ty@example.test" });
  await fake.flushWebhooks();
  t.equal(fake.deliveries[0]!.state, "no_url");
  t.equal(hook.got.length, 0);

  fake.setWebhookUrl(hook.url);
  const attempt = await fake.redeliver(0);
  t.equal(attempt.status, 200);
  t.equal(attempt.redelivery, true);
  t.equal(hook.got.length, 1);
  t.equal(hook.got[0]!.body.payload.uri, booked.inviteeUri);
  t.ok(verifySignature(hook.got[0]!.signature, hook.got[0]!.raw, KEY, 180).ok);
  await fake.redeliver(0);
  t.equal(hook.got.length, 2);
  t.equal(hook.got[1]!.raw, hook.got[0]!.raw, "a redelivery is the same event");
});

t.test("close() stops pending retries promptly", async (t) => {
  const hook = await receiver();
  hook.answers.push(500, 500, 500);
  const fake = await start(hook.url, [60_000]);
  await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Uma", email: "uma@example.test" });
  while (fake.deliveries[0]!.attempts.length === 0) await new Promise((r) => setTimeout(r, 5));
  const started = Date.now();
  await fake.close();
  await fake.flushWebhooks();
  t.ok(Date.now() - started < 1000, "did not wait for the 60 s retry");
  t.equal(fake.deliveries[0]!.state, "failed");
  t.equal(hook.got.length, 1);
  await hook.close();
});
