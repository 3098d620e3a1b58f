// Pay first, then book, end to end against the sandbox's fakes: a reserved time is booked in
// Calendly only after the payment, exactly once; a time taken directly in Calendly meanwhile is
// offered again with the payment held, and refunded in full when no new time is picked; a
// builder at the Scheduling API's limit is not offered pay-first, and nobody pays for a booking
// that cannot be made. Every app's teardown checks the fake Stripe's ledger against the database.
import t from "tap";
import { liamCalendly } from "../src/db/seed.js";
import { recordScheduled } from "../src/domain/booking/scheduling.js";
import { sweep } from "../src/domain/holds.js";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import { runSideEffects } from "../src/domain/side-effects.js";
import {
  bookingStatus,
  buildTestApp,
  sessionIdOf,
  type TestApp,
  visitor,
  waitFor,
  waitForStatus,
} from "./helpers/app.js";

const EVENT_TYPE = `https://api.calendly.com/event_types/${liamCalendly.eventTypeUuid}`;

/** Free times Liam's event type offers, earliest first, at least an hour ahead. */
function freeTimes(h: TestApp): string[] {
  const soon = Date.now() + 60 * 60_000;
  return h.calendly.availableTimes(EVENT_TYPE).filter((s) => Date.parse(s) > soon);
}

function reserve(h: TestApp, body: Record<string, unknown>) {
  const who = visitor("Payer");
  return h.app.inject({
    method: "POST",
    url: "/v1/reservations",
    headers: h.siteHeaders,
    payload: {
      builder: "liam",
      invitee: { ...who, timezone: "Europe/Berlin" },
      returnUrl: "https://market.example/book",
      ...body,
    },
  });
}

async function reserved(h: TestApp, startTime: string, extra: Record<string, unknown> = {}) {
  const res = await reserve(h, { startTime, ...extra });
  if (res.statusCode !== 201) throw new Error(`reservation failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { bookingId: string; bookingToken: string; status: string; checkoutUrl: string };
  return { ...body, sessionId: sessionIdOf(body.checkoutUrl) };
}

const calendlyEventsAt = (h: TestApp, startTime: string) =>
  h.calendly.events.filter((e) => e.status === "active" && Date.parse(e.start_time) === Date.parse(startTime));

const readBooking = async (h: TestApp, id: string, token: string) =>
  (
    await h.app.inject({ method: "GET", url: `/v1/bookings/${id}`, headers: { authorization: `Bearer ${token}` } })
  ).json() as { status: string; flow: string; rebookBy: string | null; startTime: string };

t.test("pay, then book: no Calendly event exists until the payment succeeds", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  const config = await h.app.inject({ method: "GET", url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
  t.match(config.json(), { flow: { builderChoice: null, payFirst: { available: true } } }, "offered for Liam");

  const start = freeTimes(h)[0]!;
  const eventsBefore = h.calendly.events.length;
  const r = await reserved(h, start, { answers: [] });
  t.equal(r.status, "PENDING_PAYMENT");
  t.equal(calendlyEventsAt(h, start).length, 0, "reserved: Calendly has no event, and sends no confirmation");
  t.equal(h.calendly.events.length, eventsBefore, "nothing was booked in Calendly");
  const booking = await h.db.prisma.booking.findUniqueOrThrow({ where: { id: r.bookingId } });
  t.match(booking, { flow: "PAY_FIRST", calendlyEventUri: null, calendlyInviteeUri: null, timezone: "Europe/Berlin" });

  await h.stripe.pay(r.sessionId);
  await waitForStatus(h, r.bookingId, "CONFIRMED");
  const events = calendlyEventsAt(h, start);
  t.equal(events.length, 1, "paid: exactly one Calendly event at that time");
  const confirmed = await h.db.prisma.booking.findUniqueOrThrow({
    where: { id: r.bookingId },
    include: { history: { orderBy: { createdAt: "asc" } } },
  });
  t.equal(confirmed.calendlyEventUri, events[0]!.uri, "the booking carries Calendly's event");
  const invitee = h.calendly.invitee(confirmed.calendlyInviteeUri!);
  t.equal(invitee?.tracking.utm_content, `bk_${r.bookingId}`, "booked with our tracking value");
  t.equal(invitee?.email, booking.inviteeEmail);
  t.same(
    confirmed.history.map((c) => c.to),
    ["PENDING_PAYMENT", "SCHEDULING", "CONFIRMED"],
    "reserved, paid, booked",
  );
  const paidAt = (await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: r.bookingId } })).paidAt!;
  t.ok(Date.parse(events[0]!.created_at) >= paidAt.getTime() - 5, "the Calendly event was created after the payment");

  // Calendly's own invitee.created for our booking is recognised: no second booking.
  await h.calendly.flushWebhooks();
  t.equal(await h.db.prisma.booking.count({ where: { startTime: new Date(start) } }), 1, "one booking for the slot");
  const view = await readBooking(h, r.bookingId, r.bookingToken);
  t.match(view, { status: "CONFIRMED", flow: "pay-first", rebookBy: null });
});

t.test("a reserved time is exclusive among our visitors until its hold ends", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  const start = freeTimes(h)[1]!;
  const first = await reserved(h, start);
  const second = await reserve(h, { startTime: start });
  t.equal(second.statusCode, 409);
  t.match(second.json(), { error: "slot_unavailable", field: "startTime" });
  t.equal(h.stripe.sessions.length, 1, "the second visitor was never sent to Checkout");

  // Concurrent visitors for one free time: one reservation, every other a clear 409.
  const contested = freeTimes(h)[2]!;
  const answers = await Promise.all(Array.from({ length: 5 }, () => reserve(h, { startTime: contested })));
  t.same(
    answers.map((a) => a.statusCode).sort(),
    [201, 409, 409, 409, 409],
    "exactly one of five concurrent reservations",
  );

  await h.stripe.expire(first.sessionId);
  await waitForStatus(h, first.bookingId, "EXPIRED");
  const again = await reserve(h, { startTime: start });
  t.equal(again.statusCode, 201, "the time is free again once the first hold ended");
});

t.test("bad input is a 4xx naming the field, and reserves nothing", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  const start = freeTimes(h)[0]!;
  const cases: [string, Record<string, unknown>, number, string][] = [
    ["no start", { startTime: undefined }, 400, "startTime"],
    ["not a time", { startTime: "tomorrow" }, 400, "startTime"],
    ["in the past", { startTime: new Date(Date.now() - 3_600_000).toISOString() }, 422, "startTime"],
    ["not offered", { startTime: new Date(Date.parse(start) + 7 * 60_000).toISOString() }, 409, "startTime"],
    ["bad e-mail", { startTime: start, invitee: { name: "A", email: "nope", timezone: "UTC" } }, 400, "invitee.email"],
    [
      "bad zone",
      { startTime: start, invitee: { name: "A", email: "a@example.com", timezone: "Mars/Base" } },
      400,
      "invitee.timezone",
    ],
    [
      "no name",
      { startTime: start, invitee: { name: " ", email: "a@example.com", timezone: "UTC" } },
      400,
      "invitee.name",
    ],
    ["no such question", { startTime: start, answers: [{ position: 9, answer: "x" }] }, 422, "answers[0].position"],
    ["a demo builder", { builder: "ada-fernandez", startTime: start }, 409, ""],
  ];
  for (const [what, body, status, field] of cases) {
    const res = await reserve(h, body);
    t.equal(res.statusCode, status, `${what}: ${res.body}`);
    if (field) t.match(res.json(), { field }, `${what}: names ${field}`);
  }
  t.equal(await h.db.prisma.booking.count(), 0, "nothing reserved");
  t.equal(h.stripe.sessions.length, 0, "no Checkout opened");
});

t.test(
  "the time taken directly in Calendly before payment: other times with the payment held, then booked",
  async (t) => {
    const h = await buildTestApp();
    t.teardown(() => h.close());
    const [start, later] = freeTimes(h);
    const r = await reserved(h, start!);
    await h.calendly.takeSlot({ eventType: EVENT_TYPE, startTime: start! });
    await h.stripe.pay(r.sessionId);
    await waitForStatus(h, r.bookingId, "NEEDS_NEW_TIME");
    const held = await readBooking(h, r.bookingId, r.bookingToken);
    t.ok(held.rebookBy && Date.parse(held.rebookBy) > Date.now(), "the visitor may pick another time until rebookBy");
    const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: r.bookingId } });
    t.match(payment, { status: "PAID", amountRefunded: 0 }, "the payment is held, not refunded yet");
    t.equal(
      calendlyEventsAt(h, start!).filter((e) =>
        h.calendly.invitees.some((i) => i.event === e.uri && i.tracking.utm_content === `bk_${r.bookingId}`),
      ).length,
      0,
      "no Calendly booking of ours on the taken time",
    );

    const unauthorised = await h.app.inject({
      method: "POST",
      url: `/v1/bookings/${r.bookingId}/rebook`,
      headers: { authorization: "Bearer nope" },
      payload: { startTime: later },
    });
    t.equal(unauthorised.statusCode, 404, "rebooking needs the booking's token");
    const taken = await h.app.inject({
      method: "POST",
      url: `/v1/bookings/${r.bookingId}/rebook`,
      headers: { authorization: `Bearer ${r.bookingToken}` },
      payload: { startTime: start },
    });
    t.match(taken.json(), { error: "slot_unavailable" }, "the taken time cannot be picked again");
    const rebooked = await h.app.inject({
      method: "POST",
      url: `/v1/bookings/${r.bookingId}/rebook`,
      headers: { authorization: `Bearer ${r.bookingToken}` },
      payload: { startTime: later },
    });
    t.equal(rebooked.statusCode, 200, rebooked.body);
    await waitForStatus(h, r.bookingId, "CONFIRMED");
    const confirmed = await h.db.prisma.booking.findUniqueOrThrow({ where: { id: r.bookingId } });
    t.equal(confirmed.startTime.toISOString(), new Date(later!).toISOString(), "booked at the new time");
    t.equal(calendlyEventsAt(h, later!).length, 1, "one Calendly event at the new time");
    const after = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: r.bookingId } });
    t.match(
      after,
      { status: "PAID", amountCaptured: payment.amountCaptured, amountRefunded: 0 },
      "the money is kept once",
    );
    const again = await h.app.inject({
      method: "POST",
      url: `/v1/bookings/${r.bookingId}/rebook`,
      headers: { authorization: `Bearer ${r.bookingToken}` },
      payload: { startTime: later },
    });
    t.match(again.json(), { error: "rebook_window_closed" }, "a confirmed booking is not rebooked");
  },
);

t.test("no new time picked within the window: the payment is refunded in full", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  const start = freeTimes(h)[3]!;
  const r = await reserved(h, start);
  await h.calendly.takeSlot({ eventType: EVENT_TYPE, startTime: start });
  await h.stripe.pay(r.sessionId);
  await waitForStatus(h, r.bookingId, "NEEDS_NEW_TIME");
  // The window closes (rebookBy is the booking's own deadline).
  await h.db.prisma.booking.update({ where: { id: r.bookingId }, data: { rebookBy: new Date(Date.now() - 1000) } });
  const late = await h.app.inject({
    method: "POST",
    url: `/v1/bookings/${r.bookingId}/rebook`,
    headers: { authorization: `Bearer ${r.bookingToken}` },
    payload: { startTime: freeTimes(h)[4] },
  });
  t.match(late.json(), { error: "rebook_window_closed" }, "too late to pick another time");
  await sweep(h.ctx);
  await waitForStatus(h, r.bookingId, "REFUNDED");
  const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: r.bookingId } });
  t.equal(payment.status, "REFUNDED");
  t.equal(payment.amountRefunded, payment.amountCaptured, "refunded in full");
  const charge = h.stripe.charges.find((c) => c.payment_intent === payment.paymentIntentId)!;
  t.equal(charge.amount_refunded, charge.amount_captured, "the fake Stripe's ledger: everything captured went back");
  t.equal(charge.amount_captured, 15_000, "Liam's session price");
  const view = await readBooking(h, r.bookingId, r.bookingToken);
  t.match(view, { status: "REFUNDED", rebookBy: null });
});

t.test("the Scheduling API's daily limit: no pay-first offer before money is taken", async (t) => {
  const h = await buildTestApp({ env: { CALENDLY_SCHEDULING_LIMITS: "10/50/2" } });
  t.teardown(() => h.close());
  const times = freeTimes(h);
  for (const start of times.slice(0, 2)) {
    const r = await reserved(h, start);
    await h.stripe.pay(r.sessionId);
    await waitForStatus(h, r.bookingId, "CONFIRMED");
  }
  const config = await h.app.inject({ method: "GET", url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
  t.match(
    config.json(),
    { flow: { payFirst: { available: false, reasonCode: "scheduling_budget" } }, state: "bookable" },
    "at the daily cap: the element is told to use the embedded flow; the builder stays bookable",
  );
  const sessions = h.stripe.sessions.length;
  const refused = await reserve(h, { startTime: times[2] });
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { error: "pay_first_unavailable" });
  t.equal(h.stripe.sessions.length, sessions, "no Checkout opened: nobody pays for a booking that cannot be made");
});

t.test("reservations in flight count against the budget, so the last place cannot be sold twice", async (t) => {
  const h = await buildTestApp({ env: { CALENDLY_SCHEDULING_LIMITS: "10/50/1" } });
  t.teardown(() => h.close());
  const [a, b] = freeTimes(h);
  await reserved(h, a!);
  const second = await reserve(h, { startTime: b });
  t.match(second.json(), { error: "pay_first_unavailable" }, "one reservation awaiting payment fills a budget of one");
});

t.test("Calendly's 429 after payment: the booking waits for the reset with the payment safe", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  const start = freeTimes(h)[5]!;
  const r = await reserved(h, start);
  h.calendly.exhaustSchedulingBudget(liamCalendly.userUuid, "day");
  await h.stripe.pay(r.sessionId);
  await waitForStatus(h, r.bookingId, "SCHEDULING");
  const calls = await h.db.prisma.schedulingApiCall.findMany({ where: { bookingId: r.bookingId } });
  t.match(calls, [{ outcome: "RATE_LIMITED" }], "the 429 is recorded with Calendly's reset");
  t.ok(calls[0]!.retryAt && calls[0]!.retryAt.getTime() > Date.now(), "until its reset");
  const effect = await h.db.prisma.sideEffect.findFirstOrThrow({
    where: { bookingId: r.bookingId, kind: "BOOK_CALENDLY_INVITEE" },
  });
  t.match(effect, { status: "PENDING" }, "the booking is not given up");
  t.ok(effect.runAfter.getTime() >= calls[0]!.retryAt!.getTime() - 1000, "it waits for the reset");
  const config = await h.app.inject({ method: "GET", url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
  t.match(
    config.json(),
    { flow: { payFirst: { available: false, reasonCode: "scheduling_budget" } } },
    "no new offers meanwhile",
  );
  t.match(await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: r.bookingId } }), {
    status: "PAID",
    amountRefunded: 0,
  });

  // Calendly's window resets; the next run books it.
  h.calendly.resetSchedulingBudget(liamCalendly.userUuid);
  await h.db.prisma.schedulingApiCall.updateMany({ where: { bookingId: r.bookingId }, data: { retryAt: new Date() } });
  await h.db.prisma.sideEffect.update({ where: { id: effect.id }, data: { runAfter: new Date() } });
  await sweep(h.ctx);
  await waitForStatus(h, r.bookingId, "CONFIRMED");
  t.equal(calendlyEventsAt(h, start).length, 1);
});

t.test("Calendly booked it but the answer was lost: the retry finds it by our tracking value", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  const start = freeTimes(h)[6]!;
  const r = await reserved(h, start);
  // Calendly books it, but its answer is lost (and its invitee.created webhook is held back, as
  // the webhook would otherwise confirm the booking first).
  h.calendly.setWebhookUrl(undefined);
  h.calendly.faults.next({ path: /^\/api\/invitees$/, method: "POST", after: true, status: 503 });
  await h.stripe.pay(r.sessionId);
  await waitFor(
    async () => {
      await h.db.prisma.sideEffect.updateMany({
        where: { bookingId: r.bookingId, status: "PENDING" },
        data: { runAfter: new Date() },
      });
      await sweep(h.ctx);
      return (await bookingStatus(h, r.bookingId)) === "CONFIRMED";
    },
    15_000,
    "the retry to confirm the booking",
  );
  const history = await h.db.prisma.bookingStatusChange.findMany({
    where: { bookingId: r.bookingId, to: "CONFIRMED" },
  });
  t.match(history, [{ cause: /found booked in Calendly by an earlier attempt/ }], "confirmed by the lookup");
  const posts = h.calendly.schedulingCalls(liamCalendly.userUuid);
  t.equal(posts.length, 1, "POST /invitees was sent once: the retry looked it up instead of booking again");
  t.equal(calendlyEventsAt(h, start).length, 1, "exactly one Calendly event");
});

t.test("a builder who chose the embedded flow is not booked pay-first", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  await h.db.prisma.builder.update({ where: { slug: "liam" }, data: { bookingFlow: "EMBEDDED" } });
  const config = await h.app.inject({ method: "GET", url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
  t.match(config.json(), {
    flow: { builderChoice: "embedded", payFirst: { available: false, reasonCode: "builder_chose_embedded" } },
  });
  const res = await reserve(h, { startTime: freeTimes(h)[0] });
  t.match(res.json(), { error: "pay_first_unavailable" });
});

t.test("partners reserve and rebook server to server with bookings:write", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  const writer = await issuePartnerKey(h.db.prisma, {
    name: "partner",
    scopes: ["bookings:read", "bookings:write"],
    returnUrlAllowlist: ["https://partner.example/done"],
  });
  const reader = await issuePartnerKey(h.db.prisma, { name: "reader", scopes: ["bookings:read"] });
  const start = freeTimes(h)[7]!;
  const body = {
    builder: "liam",
    startTime: start,
    invitee: { ...visitor("Partner"), timezone: "America/New_York" },
    returnUrl: "https://partner.example/done",
  };
  const post = (key: string, payload: Record<string, unknown>) =>
    h.app.inject({
      method: "POST",
      url: "/v1/partner/reservations",
      headers: { authorization: `Bearer ${key}` },
      payload,
    });
  t.equal((await post(reader.key, body)).statusCode, 403, "bookings:read cannot reserve");
  const notAllowed = await post(writer.key, { ...body, returnUrl: "https://elsewhere.example/" });
  t.match(notAllowed.json(), { field: "returnUrl" }, "the return page must be on the key's allowlist");
  const res = await post(writer.key, body);
  t.equal(res.statusCode, 201, res.body);
  const created = res.json() as { bookingId: string; checkoutUrl: string; status: string };
  t.equal(created.status, "PENDING_PAYMENT");
  await h.stripe.pay(sessionIdOf(created.checkoutUrl));
  await waitForStatus(h, created.bookingId, "CONFIRMED");
  const read = await h.app.inject({
    method: "GET",
    url: `/v1/partner/bookings/${created.bookingId}`,
    headers: { authorization: `Bearer ${reader.key}` },
  });
  t.match(read.json(), { status: "CONFIRMED", flow: "pay-first", rebookBy: null });
});

t.test("refunded in Stripe's Dashboard while a new time is picked: the booking ends, nothing is booked", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  const start = freeTimes(h)[8]!;
  const r = await reserved(h, start);
  await h.calendly.takeSlot({ eventType: EVENT_TYPE, startTime: start });
  await h.stripe.pay(r.sessionId);
  await waitForStatus(h, r.bookingId, "NEEDS_NEW_TIME");
  const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: r.bookingId } });
  await h.app.providers.stripe.refunds.create({ payment_intent: payment.paymentIntentId! });
  await waitForStatus(h, r.bookingId, "REFUNDED");
  const history = await h.db.prisma.bookingStatusChange.findMany({
    where: { bookingId: r.bookingId },
    orderBy: { createdAt: "asc" },
  });
  t.same(
    history.map((c) => c.to),
    ["PENDING_PAYMENT", "SCHEDULING", "NEEDS_NEW_TIME", "CANCELLED", "REFUNDED"],
  );
  const late = await h.app.inject({
    method: "POST",
    url: `/v1/bookings/${r.bookingId}/rebook`,
    headers: { authorization: `Bearer ${r.bookingToken}` },
    payload: { startTime: freeTimes(h)[9] },
  });
  t.match(late.json(), { error: "rebook_window_closed" }, "a refunded booking picks no new time");
  t.equal(
    h.calendly.invitees.filter((i) => i.tracking.utm_content === `bk_${r.bookingId}`).length,
    0,
    "nothing was booked in Calendly for it",
  );

  // Had Calendly's answer to a booking call in flight come back now, its event would be cancelled.
  const stray = await h.calendly.takeSlot({ eventType: EVENT_TYPE, startTime: freeTimes(h)[10]! });
  const event = h.calendly.event(stray.eventUri)!;
  const outcome = await recordScheduled(
    h.ctx,
    r.bookingId,
    {
      eventUri: stray.eventUri,
      inviteeUri: stray.inviteeUri,
      startTime: new Date(event.start_time),
      endTime: new Date(event.end_time),
    },
    "a late answer",
  );
  t.equal(outcome, "no_change", "the refunded booking is not confirmed");
  await runSideEffects(h.ctx, { bookingId: r.bookingId });
  t.equal(h.calendly.event(stray.eventUri)?.status, "canceled", "the stray Calendly event is cancelled");
});

t.test("a free session pay-first: nothing to pay, booked in Calendly at once", async (t) => {
  const h = await buildTestApp();
  t.teardown(() => h.close());
  await h.db.prisma.sessionType.updateMany({ where: { builder: { slug: "liam" } }, data: { priceAmount: 0 } });
  const start = freeTimes(h)[11]!;
  const res = await reserve(h, { startTime: start });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { status: "CONFIRMED", checkoutUrl: null, holdExpiresAt: null }, "no checkout, no hold");
  t.equal(h.stripe.sessions.length, 0, "Stripe is not involved");
  t.equal(calendlyEventsAt(h, start).length, 1, "booked in Calendly");
  t.equal(await h.db.prisma.payment.count(), 0, "no payment record");
});
