// A signed Calendly invitee event is validated whole before it is handled: a missing field or a
// malformed time answers 400 naming the field, stores nothing, and never answers 500.
import t from "tap";
import { signatureHeader } from "../src/providers/webhook-signature.js";
import { buildTestApp, scheduleSlot } from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);

const post = (body: unknown) => {
  const raw = JSON.stringify(body);
  return h.app.inject({
    method: "POST",
    url: "/webhooks/calendly",
    headers: {
      "content-type": "application/json",
      "calendly-webhook-signature": signatureHeader(h.config.calendly.webhookSigningKey, raw),
    },
    payload: raw,
  });
};

// A real invitee.created as the fake Calendly sends it, held back from the service.
h.calendly.setWebhookUrl(undefined);
const scheduled = await scheduleSlot(h, null);
h.calendly.setWebhookUrl(`${h.url}/webhooks/calendly`);
const original = h.calendly.deliveries.find((d) => d.payload.payload.uri === scheduled.inviteeUri)!;
// biome-ignore lint/suspicious/noExplicitAny: the cases below break the body's shape on purpose
const fresh = (): any => JSON.parse(original.body);

const cases: [string, string, (b: ReturnType<typeof fresh>) => void][] = [
  [
    "a malformed start_time",
    "payload.scheduled_event.start_time",
    (b) => {
      b.payload.scheduled_event.start_time = "next Tuesday";
    },
  ],
  [
    "no start_time",
    "payload.scheduled_event.start_time",
    (b) => {
      delete b.payload.scheduled_event.start_time;
    },
  ],
  [
    "an end before the start",
    "payload.scheduled_event.end_time",
    (b) => {
      b.payload.scheduled_event.end_time = "2001-01-01T00:00:00Z";
    },
  ],
  [
    "no email",
    "payload.email",
    (b) => {
      delete b.payload.email;
    },
  ],
  [
    "a numeric name",
    "payload.name",
    (b) => {
      b.payload.name = 42;
    },
  ],
  [
    "no scheduled_event",
    "payload.scheduled_event",
    (b) => {
      delete b.payload.scheduled_event;
    },
  ],
  [
    "an event_type that is not a URL",
    "payload.scheduled_event.event_type",
    (b) => {
      b.payload.scheduled_event.event_type = "liam";
    },
  ],
  [
    "tracking that is not an object",
    "payload.tracking",
    (b) => {
      b.payload.tracking = "utm";
    },
  ],
  [
    "an unknown status",
    "payload.status",
    (b) => {
      b.payload.status = "maybe";
    },
  ],
  [
    "no rescheduled flag",
    "payload.rescheduled",
    (b) => {
      delete b.payload.rescheduled;
    },
  ],
  [
    "no payload",
    "payload",
    (b) => {
      delete b.payload;
    },
  ],
  [
    "a cancellation with a malformed time",
    "payload.cancellation.created_at",
    (b) => {
      b.event = "invitee.canceled";
      b.payload.cancellation = { canceler_type: "invitee", reason: null, created_at: "yesterday" };
    },
  ],
];

t.test("malformed invitee events: 400 naming the field, nothing stored", async (t) => {
  for (const [what, field, breakIt] of cases) {
    const body = fresh();
    breakIt(body);
    const res = await post(body);
    t.equal(res.statusCode, 400, what);
    t.match(
      res.json(),
      { received: false, error: "invalid_body", message: new RegExp(`^${field.replaceAll(".", "\\.")}: `) },
      what,
    );
  }
  t.equal(await h.db.prisma.booking.count({ where: { calendlyInviteeUri: scheduled.inviteeUri } }), 0);
  t.equal(await h.db.prisma.webhookEvent.count({ where: { provider: "CALENDLY" } }), 0, "no event stored");
  const rejected = await h.db.prisma.webhookDelivery.findMany({ where: { provider: "CALENDLY", responseStatus: 400 } });
  t.equal(rejected.length, cases.length, "every rejected delivery is logged");
});

t.test("the untouched delivery is accepted and creates the booking", async (t) => {
  const res = await post(fresh());
  t.equal(res.statusCode, 200);
  t.match(res.json(), { received: true, outcome: "booking_created" });
});
