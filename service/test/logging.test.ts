// Log censoring: sensitive keys never reach a line, and clean objects pass through uncopied.
import { Writable } from "node:stream";
import pino from "pino";
import t from "tap";
import { censor, loggerOptions } from "../src/logging.js";

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
