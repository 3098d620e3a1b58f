// Pay first's transitions, without a browser page, an element or a clock: the choice of flow, the
// picker, the form, the reservation and its refusals, and every status of a paid booking after checkout.
import { expect } from "@esm-bundle/chai";
import { nextAfterCheckout } from "../src/after-checkout-flow.js";
import {
  chooseFlow,
  type Effect,
  type Flow,
  type FlowEnv,
  type FlowEvent,
  initialFlow,
  next,
  type Step,
} from "../src/booking-flow.js";
import { nextCalendar } from "../src/calendar-flow.js";
import { nextPayFirst, validate, WEEK } from "../src/pay-first-flow.js";
import { availableTimes, booking, config, created, NOW, sessionType } from "./fixtures/flow-answers.js";

const env: FlowEnv = {
  now: NOW,
  timeouts: {
    config: 100,
    ready: 2000,
    slow: 500,
    afterLoad: 300,
    checkout: 400,
    confirm: 6000,
    scheduling: 90_000,
    watch: 9000,
    watchEvery: 250,
  },
  flow: "pay-first",
};

/** The whole flow as the element runs it once the picker and the code after checkout are loaded. */
const step = (flow: Flow, event: FlowEvent, e: FlowEnv = env): Step =>
  nextAfterCheckout(flow, event, e) ??
  nextCalendar(flow, event) ??
  nextPayFirst(flow, event, e) ??
  next(flow, event, e);

function run(flow: Flow, ...events: FlowEvent[]): Step {
  let s: Step = [flow, []];
  for (const event of events) s = step(s[0], event);
  return s;
}

const types = (s: Step) => s[1].map((e) => e.type);
const find = <T extends Effect["type"]>(s: Step, type: T) =>
  s[1].find((e) => e.type === type) as Extract<Effect, { type: T }> | undefined;

const TYPE = "5e000000-0000-4000-8000-000000000060";
const BOOKING = "b0000000-0000-4000-8000-000000000001";
const [FIRST, SECOND] = availableTimes().times.map((t) => t.startTime);
const refused = (code: string, retryable = false, field?: string): FlowEvent => ({
  type: "refused",
  failure: { code, message: "", retryable, field },
});
const good = { name: " Ada ", email: "ada@example.com", q0: "A shop", q1: "", q2: "Lit, Vue" };

const start = (visible = true, e = env) =>
  next(initialFlow(), { type: "start", cancelled: false, visible, online: true }, e)[0];
const at = {
  picking: () =>
    run(start(), { type: "config", answer: config() }, { type: "times", answer: availableTimes(), from: NOW })[0],
  picked: () => run(at.picking(), { type: "pick", startTime: FIRST!, timezone: "Europe/Berlin" })[0],
  details: () => run(at.picked(), { type: "continue" })[0],
  reserving: () => run(at.details(), { type: "submit", values: good, timezone: "Europe/Berlin" })[0],
  /** Back from checkout, by the booking's id and token. */
  returned: () =>
    next(
      initialFlow(),
      { type: "start", ref: { id: BOOKING, token: "tok" }, cancelled: false, visible: true, online: true },
      env,
    )[0],
};
const payFirst = (status: string, over: Record<string, unknown> = {}) =>
  booking(status, { flow: "pay-first", checkoutUrl: null, holdExpiresAt: null, ...over });

describe("pay-first: which flow", () => {
  const offered = (builderChoice: "embedded" | "pay-first" | null, available = true) =>
    config({
      flow: { builderChoice, payFirst: available ? { available } : { available, reasonCode: "scheduling_budget" } },
    });

  it("takes the builder's choice over the attribute, and pay first only while the service offers it", () => {
    expect(chooseFlow(offered(null), undefined)).to.equal("embedded");
    expect(chooseFlow(offered(null), "embedded")).to.equal("embedded");
    expect(chooseFlow(offered(null), "pay-first")).to.equal("pay-first");
    expect(chooseFlow(offered("pay-first"), "embedded")).to.equal("pay-first");
    expect(chooseFlow(offered("embedded"), "pay-first")).to.equal("embedded");
    expect(chooseFlow(offered(null, false), "pay-first")).to.equal("embedded");
    expect(chooseFlow(offered("pay-first", false), "embedded")).to.equal("embedded");
    const older = { ...config(), flow: undefined } as never;
    expect(chooseFlow(older, "pay-first"), "a service that predates pay first").to.equal("embedded");
  });

  it("opens the picker with the first week's times from now", () => {
    const s = step(start(), { type: "config", answer: config() });
    expect(s[0].state).to.equal("pick-time");
    expect(s[1]).to.deep.equal([{ type: "cancel" }, { type: "fetch-times", sessionTypeId: TYPE, from: NOW }]);
  });

  it("falls back to the calendar quietly when pay first is not available (no error, no event)", () => {
    const answer = config({
      flow: { builderChoice: null, payFirst: { available: false, reasonCode: "scheduling_budget" } },
    });
    const s = step(start(), { type: "config", answer });
    expect(s[0].state).to.equal("calendar");
    expect(types(s)).to.deep.equal(["cancel", "create-attempt"]);
  });

  it("falls back to the calendar quietly when the times are refused with pay_first_unavailable", () => {
    const picking = step(start(), { type: "config", answer: config() })[0];
    const s = step(picking, {
      type: "failed",
      failure: { code: "pay_first_unavailable", message: "", retryable: false },
    });
    expect(s[0].state).to.equal("calendar");
    expect(types(s)).to.deep.equal(["cancel", "create-attempt"]);
    // Another failure of the times is the error state, as ever.
    const timeout = step(picking, { type: "failed", failure: { code: "timeout", message: "", retryable: true } });
    expect(timeout[0].state).to.equal("error");
  });

  it("waits with the times until the element is shown (lazy, popup)", () => {
    const s = step(start(false), { type: "config", answer: config() });
    expect(s[0].state).to.equal("pick-time");
    expect(types(s)).to.deep.equal(["cancel"]);
    expect(step(s[0], { type: "shown" })[1]).to.deep.equal([{ type: "fetch-times", sessionTypeId: TYPE, from: NOW }]);
  });

  it("asks for sign-in first when the site requires a customer", () => {
    const s = step(start(), { type: "config", answer: config({ requiresCustomer: true }) });
    expect(s[0].state).to.equal("auth-required");
  });
});

describe("pay-first: the picker", () => {
  it("takes the week's times, and refuses a malformed answer", () => {
    const f = at.picking();
    expect(f.pay?.times?.times).to.have.length(3);
    expect(f.pay?.from).to.equal(NOW);
    const bad = step(start(), { type: "config", answer: config() });
    const s = step(bad[0], { type: "times", answer: { times: [{ startTime: "soon" }] }, from: NOW });
    expect(s[0].state).to.equal("error");
    expect(s[0].error?.code).to.equal("bad_answer");
  });

  it("pages week by week: never before now, and at most about two months ahead", () => {
    const f = at.picking();
    expect(step(f, { type: "week", step: -1 })[1], "no earlier week than now").to.deep.equal([]);
    const later = step(f, { type: "week", step: 1 });
    expect(later[0].pay?.times, "loading").to.equal(undefined);
    expect(find(later, "fetch-times")).to.deep.include({ from: NOW + WEEK });
    let s: Step = [f, []];
    const froms: number[] = [];
    for (let i = 0; i < 12; i++) {
      s = step(s[0], { type: "week", step: 1 });
      const fetch = find(s, "fetch-times");
      if (!fetch) break;
      froms.push(fetch.from);
      s = step(s[0], { type: "times", answer: availableTimes({ times: [] }), from: fetch.from });
    }
    expect(froms.at(-1)! + WEEK).to.be.at.most(NOW + 60 * 86_400_000 + WEEK);
    expect(froms.length).to.equal(8);
    const back = step(s[0], { type: "week", step: -1 });
    expect(find(back, "fetch-times")?.from).to.equal(froms.at(-2));
  });

  it("picks only a time it lists, and fires slot-selected with the time zone shown", () => {
    expect(
      step(at.picking(), { type: "pick", startTime: "2030-03-15T08:00:00.000Z", timezone: "UTC" })[1],
    ).to.deep.equal([]);
    const s = step(at.picking(), { type: "pick", startTime: FIRST!, timezone: "Europe/Berlin" });
    expect(s[0].pay?.startTime).to.equal(FIRST);
    expect(s[1]).to.deep.equal([{ type: "slot-selected", detail: { startTime: FIRST, timezone: "Europe/Berlin" } }]);
  });

  it("goes on to the details only with a time chosen, and back to change it", () => {
    expect(step(at.picking(), { type: "continue" })[0].state).to.equal("pick-time");
    const s = step(at.picked(), { type: "continue" });
    expect(s[0].state).to.equal("details");
    expect(types(s)).to.deep.equal(["focus-heading"]);
    expect(step(s[0], { type: "change-time" })[0].state).to.equal("pick-time");
  });

  it("takes a time zone chosen while the first week loads", () => {
    const loading = step(start(), { type: "config", answer: config() })[0];
    const s = run(loading, { type: "zone", zone: "UTC" }, { type: "times", answer: availableTimes(), from: NOW });
    expect(s[0].pay?.zone).to.equal("UTC");
    expect(s[0].pay?.times?.times).to.have.length(3);
  });

  it("keeps the chosen time and the day across a change of time zone", () => {
    const s = run(at.picked(), { type: "day", day: "2030-03-16" }, { type: "zone", zone: "Asia/Tokyo" });
    expect(s[0].pay?.zone).to.equal("Asia/Tokyo");
    expect(s[0].pay?.day, "the day is the new zone's").to.equal(undefined);
    expect(s[0].pay?.startTime).to.equal(FIRST);
  });
});

describe("pay-first: the form and the reservation", () => {
  it("requires a name, a valid e-mail and the required questions", () => {
    const questions = availableTimes().questions as never;
    expect(validate({}, questions)).to.deep.equal({
      name: "required",
      email: "required",
      q0: "required",
      q2: "required",
    });
    expect(validate({ name: "Ada", email: "ada@", q0: "x", q2: "Lit" }, questions)).to.deep.equal({
      email: "invalidEmail",
    });
    expect(validate(good, questions)).to.deep.equal({});
  });

  it("stays in the details with the errors and the values typed", () => {
    const values = { name: "Ada", email: "nope", q0: "", q2: "" };
    const s = step(at.details(), { type: "submit", values, timezone: "UTC" });
    expect(s[0].state).to.equal("details");
    expect(s[0].pay?.errors).to.deep.equal({ email: "invalidEmail", q0: "required", q2: "required" });
    expect(s[0].pay?.values).to.deep.equal(values);
    expect(s[1]).to.deep.equal([]);
  });

  it("reserves the time with the visitor, the time zone, the answers and the customer token", () => {
    const s = step(
      at.details(),
      { type: "submit", values: good, timezone: "Europe/Berlin" },
      { ...env, customerToken: "jwt" },
    );
    expect(s[0].state).to.equal("reserving");
    expect(find(s, "reserve")?.body).to.deep.equal({
      builder: "1a000000-0000-4000-8000-000000000001",
      sessionTypeId: TYPE,
      startTime: FIRST,
      invitee: { name: "Ada", email: "ada@example.com", timezone: "Europe/Berlin" },
      answers: [
        { position: 0, answer: "A shop" },
        { position: 2, answer: "Lit, Vue" },
      ],
      customerToken: "jwt",
    });
  });

  it("opens checkout with the reservation, after baw-reserved", () => {
    const s = step(at.reserving(), { type: "reservation", answer: created });
    expect(s[0].state).to.equal("redirecting");
    expect(s[0].ref).to.deep.equal({ id: BOOKING, token: "tok" });
    expect(types(s)).to.deep.equal(["reserved", "cancel", "timer", "open-checkout"]);
    expect(s[1][0]).to.deep.equal({ type: "reserved", bookingId: BOOKING });
    expect(step(at.reserving(), { type: "reservation", answer: { bookingId: 1 } })[0].error?.code).to.equal(
      "bad_answer",
    );
  });

  it("slot_unavailable: fresh times, says the time was taken, keeps what the visitor typed", () => {
    const s = step(at.reserving(), refused("slot_unavailable", false, "startTime"));
    expect(s[0].state).to.equal("pick-time");
    expect(s[0].pay?.taken).to.equal(true);
    expect(s[0].pay?.startTime).to.equal(undefined);
    expect(s[0].pay?.values).to.deep.equal(good);
    expect(types(s)).to.deep.equal(["cancel", "fetch-times", "focus-heading"]);
    const again = run(
      s[0],
      { type: "times", answer: availableTimes(), from: NOW },
      { type: "pick", startTime: SECOND!, timezone: "UTC" },
      { type: "continue" },
    );
    expect(again[0].state).to.equal("details");
    expect(again[0].pay?.values, "the form comes back filled in").to.deep.equal(good);
    expect(again[0].pay?.taken).to.equal(false);
  });

  it("pay_first_unavailable: the embedded calendar, quietly", () => {
    const s = step(at.reserving(), refused("pay_first_unavailable"));
    expect(s[0].state).to.equal("calendar");
    expect(types(s)).to.deep.equal(["cancel", "create-attempt"]);
    expect(types(s)).to.not.include("error");
  });

  it("a field the service names: its error next to it", () => {
    const s = step(at.reserving(), refused("validation_error", false, "invitee.email"));
    expect(s[0].state).to.equal("details");
    expect(s[0].pay?.errors).to.deep.equal({ email: "invalid" });
    const answer = step(at.reserving(), refused("validation_error", false, "answers.1.answer"));
    expect(answer[0].pay?.errors, "the second answer sent is question 2's").to.deep.equal({ q2: "invalid" });
  });

  it("429 and 502: the error state with Retry, which reserves again with the same body", () => {
    const reserving = at.reserving();
    const s = step(reserving, refused("calendly_rate_limited", true));
    expect(s[0].state).to.equal("error");
    expect(s[0].error?.during).to.equal("reserving");
    const retried = step(s[0], { type: "retry" });
    expect(retried[0].state).to.equal("reserving");
    expect(find(retried, "reserve")?.body).to.deep.equal(
      find(step(at.details(), { type: "submit", values: good, timezone: "Europe/Berlin" }), "reserve")?.body,
    );
  });

  it("resumes by itself when the connection returns after a network failure", () => {
    const offline = run(at.reserving(), { type: "connection", online: false }, refused("network", true));
    expect(offline[0].state).to.equal("error");
    const back = step(offline[0], { type: "connection", online: true });
    expect(back[0].state).to.equal("reserving");
    expect(types(back)).to.include("reserve");
  });

  it("Retry after the times failed to load asks for the same week again", () => {
    const failed = step(at.picking(), { type: "week", step: 1 });
    const s = step(failed[0], { type: "failed", failure: { code: "timeout", message: "", retryable: true } });
    const retried = step(s[0], { type: "retry" });
    expect(retried[0].state).to.equal("pick-time");
    expect(find(retried, "fetch-times")?.from).to.equal(NOW + WEEK);
  });
});

describe("pay-first: after checkout", () => {
  const polled = (answer: unknown, flow = at.returned()) => step(flow, { type: "polled", answer });

  it("SCHEDULING: says the payment is received and keeps polling, within its own bound", () => {
    const s = polled(payFirst("SCHEDULING"));
    expect(s[0].state).to.equal("scheduling");
    expect(find(s, "poll")).to.deep.equal({
      type: "poll",
      ref: { id: BOOKING, token: "tok" },
      cancelled: false,
      deadline: NOW + 90_000,
      scheduling: true,
    });
    expect(types(s)).to.include("focus-heading");
    const still = polled(payFirst("SCHEDULING"), s[0]);
    expect(types(still), "no second focus").to.deep.equal(["cancel", "poll"]);
    const confirmed = polled(payFirst("CONFIRMED"), s[0]);
    expect(confirmed[0].state).to.equal("confirmed");
    expect(types(confirmed)).to.include("booking-confirmed");
  });

  it("SCHEDULING that takes too long: the error state, and Retry polls again", () => {
    const s = polled(payFirst("SCHEDULING"));
    const timedOut = step(s[0], {
      type: "failed",
      failure: { code: "scheduling_timeout", message: "", retryable: true },
    });
    expect(timedOut[0].state).to.equal("error");
    const retried = step(timedOut[0], { type: "retry" });
    expect(retried[0].state).to.equal("confirming");
    expect(types(retried)).to.include("poll");
  });

  it("NEEDS_NEW_TIME: the picker again for the booking's builder and session type", () => {
    const rebookBy = new Date(NOW + 30 * 60_000).toISOString();
    const s = polled(payFirst("NEEDS_NEW_TIME", { rebookBy }));
    expect(s[0].state).to.equal("needs-new-time");
    expect(find(s, "fetch-times")).to.deep.equal({
      type: "fetch-times",
      sessionTypeId: TYPE,
      from: NOW,
      builder: "1a000000-0000-4000-8000-000000000001",
    });
    const picked = run(
      s[0],
      { type: "times", answer: availableTimes(), from: NOW },
      { type: "pick", startTime: SECOND!, timezone: "UTC" },
    )[0];
    const rebooking = step(picked, { type: "continue" });
    expect(rebooking[0].state).to.equal("rebooking");
    expect(find(rebooking, "rebook")).to.deep.equal({
      type: "rebook",
      ref: { id: BOOKING, token: "tok" },
      startTime: SECOND,
    });
    const scheduling = step(rebooking[0], { type: "rebooked", answer: payFirst("SCHEDULING", { startTime: SECOND }) });
    expect(scheduling[0].state).to.equal("scheduling");
    expect(find(scheduling, "poll")?.scheduling).to.equal(true);

    const taken = step(rebooking[0], refused("slot_unavailable"));
    expect(taken[0].state).to.equal("needs-new-time");
    expect(taken[0].pay?.taken).to.equal(true);
    expect(find(taken, "fetch-times")?.builder).to.equal("1a000000-0000-4000-8000-000000000001");

    const closed = step(rebooking[0], refused("rebook_window_closed"));
    expect(closed[0].state).to.equal("refunded");
  });

  it("NEEDS_NEW_TIME after a return by Stripe's session id alone (no token): explains, offers no rebooking", () => {
    const bySession = next(
      initialFlow(),
      { type: "start", ref: { sessionId: "cs_test_1" }, cancelled: false, visible: true, online: true },
      env,
    )[0];
    const s = polled(payFirst("NEEDS_NEW_TIME", { rebookBy: new Date(NOW + 60_000).toISOString() }), bySession);
    expect(s[0].state).to.equal("needs-new-time");
    expect(types(s)).to.not.include("fetch-times");
  });

  it("CANCELLED or REFUNDED and never booked in Calendly: refunded in full", () => {
    const history = [
      { from: null, to: "PENDING_PAYMENT", cause: "reservation", at: new Date(NOW).toISOString() },
      { from: "PENDING_PAYMENT", to: "SCHEDULING", cause: "payment", at: new Date(NOW).toISOString() },
      { from: "SCHEDULING", to: "NEEDS_NEW_TIME", cause: "slot_taken", at: new Date(NOW).toISOString() },
      { from: "NEEDS_NEW_TIME", to: "CANCELLED", cause: "rebook_window_closed", at: new Date(NOW).toISOString() },
    ];
    for (const status of ["CANCELLED", "REFUNDED"]) {
      const s = polled(payFirst(status, { history }));
      expect(s[0].state, status).to.equal("refunded");
    }
  });

  it("a cancelled booking that was booked (or embedded) stays the booking_cancelled error", () => {
    const history = [{ from: "SCHEDULING", to: "CONFIRMED", cause: "booked", at: new Date(NOW).toISOString() }];
    expect(polled(payFirst("CANCELLED", { history }))[0].error?.code).to.equal("booking_cancelled");
    expect(polled(booking("CANCELLED"))[0].error?.code).to.equal("booking_cancelled");
  });

  it("the picker's events mean nothing outside its states", () => {
    const confirming = at.returned();
    for (const event of [
      { type: "pick", startTime: FIRST!, timezone: "UTC" },
      { type: "continue" },
      { type: "submit", values: good, timezone: "UTC" },
      { type: "reservation", answer: created },
      { type: "rebooked", answer: payFirst("SCHEDULING") },
      refused("slot_unavailable"),
    ] as FlowEvent[]) {
      expect(step(confirming, event), event.type).to.deep.equal([confirming, []]);
    }
  });

  it("keeps the session type of a second choice", () => {
    const two = config({ sessionTypes: [sessionType("5e000000-0000-4000-8000-000000000030"), sessionType()] });
    const s = run(start(), { type: "config", answer: two }, { type: "choose", sessionType: sessionType() });
    expect(s[0].state).to.equal("pick-time");
    expect(find(s, "fetch-times")?.sessionTypeId).to.equal(TYPE);
  });
});
