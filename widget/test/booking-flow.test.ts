// The booking flow's transitions, without a browser page, an element or a clock: state × event.
import { expect } from "@esm-bundle/chai";
import { nextAfterCheckout } from "../src/after-checkout-flow.js";
import {
  type Effect,
  type Flow,
  type FlowEnv,
  type FlowEvent,
  initialFlow,
  next,
  type Step,
} from "../src/booking-flow.js";
import { nextCalendar } from "../src/calendar-flow.js";
import { nextWatch } from "../src/calendly-watch.js";
import type { BawState } from "../src/types.js";
import { attempt, booking, config, created, hold, NOW, sessionType } from "./fixtures/flow-answers.js";

const env: FlowEnv = {
  now: NOW,
  timeouts: {
    config: 100,
    ready: 2000,
    slow: 500,
    afterLoad: 300,
    checkout: 400,
    confirm: 6000,
    watch: 9000,
    watchEvery: 250,
  },
};

/** The whole flow: `next`, with the calendar's messages, the events after checkout and of the watch judged by `nextCalendar`, `nextAfterCheckout` and `nextWatch` first. */
const step = (flow: Flow, event: FlowEvent, e: FlowEnv = env): Step =>
  nextAfterCheckout(flow, event, e) ?? nextCalendar(flow, event) ?? nextWatch(flow, event, e) ?? next(flow, event, e);

/** Runs events one after another from `flow`; returns the last step. */
function run(flow: Flow, ...events: FlowEvent[]): Step {
  let s: Step = [flow, []];
  for (const event of events) s = step(s[0], event);
  return s;
}

const types = (s: Step) => s[1].map((e) => e.type);

const scheduled = (invitee = "INV1") => ({
  type: "calendly" as const,
  message: {
    event: "calendly.event_scheduled",
    payload: {
      event: { uri: "https://api.calendly.com/scheduled_events/EV1" },
      invitee: { uri: `https://api.calendly.com/scheduled_events/EV1/invitees/${invitee}` },
    },
  },
});
const message = (event: string, payload = {}) => ({ type: "calendly" as const, message: { event, payload } });
const failed = (code: string, retryable = true, retryAfter?: number): FlowEvent => ({
  type: "failed",
  failure: { code, message: "", retryable, retryAfter },
});

const started = next(initialFlow(), { type: "start", cancelled: false, visible: true, online: true }, env)[0];
/** One flow in each state, reached through events only. */
const at = {
  loading: () => started,
  calendar: () => run(started, { type: "config", answer: config() }, { type: "attempt", answer: attempt })[0],
  ready: () => run(at.calendar(), message("calendly.event_type_viewed"))[0],
  creating: () => run(at.ready(), scheduled())[0],
  redirecting: () => run(at.creating(), { type: "created", answer: created })[0],
  confirming: () =>
    next(
      initialFlow(),
      {
        type: "start",
        ref: { id: "b0000000-0000-4000-8000-000000000001", token: "tok" },
        cancelled: false,
        visible: true,
        online: true,
      },
      env,
    )[0],
};

describe("booking-flow: start", () => {
  it("loads the config, or confirms a return from checkout (polling only when online)", () => {
    const fresh = next(initialFlow(), { type: "start", cancelled: false, visible: true, online: true }, env);
    expect(fresh[0].state).to.equal("loading");
    expect(types(fresh)).to.deep.equal(["cancel", "fetch-config"]);

    const ref = { id: "b0000000-0000-4000-8000-000000000001", token: "tok" };
    const back = next(initialFlow(), { type: "start", ref, cancelled: true, visible: true, online: true }, env);
    expect(back[0].state).to.equal("confirming");
    expect(back[1]).to.deep.include({ type: "poll", ref, cancelled: true, deadline: NOW + 6000 });

    const offline = next(initialFlow(), { type: "start", ref, cancelled: false, visible: true, online: false }, env);
    expect(offline[0].state).to.equal("confirming");
    expect(types(offline), "no poll while offline").to.deep.equal(["cancel"]);
  });
});

describe("booking-flow: loading", () => {
  it("goes to the calendar with the only session type and creates an attempt", () => {
    const s = step(started, { type: "config", answer: config() });
    expect(s[0].state).to.equal("calendar");
    expect(s[0].sessionType?.id).to.equal("5e000000-0000-4000-8000-000000000060");
    expect(s[1]).to.deep.include({ type: "create-attempt", sessionTypeId: "5e000000-0000-4000-8000-000000000060" });
  });

  it("waits with the attempt while the element is not visible (lazy, popup), and creates it when shown", () => {
    const hidden = next(initialFlow(), { type: "start", cancelled: false, visible: false, online: true }, env)[0];
    const s = step(hidden, { type: "config", answer: config() });
    expect(s[0].state).to.equal("calendar");
    expect(types(s)).to.not.include("create-attempt");
    expect(step(s[0], { type: "shown" })[1]).to.deep.equal([
      { type: "create-attempt", sessionTypeId: "5e000000-0000-4000-8000-000000000060" },
    ]);
  });

  it("asks to choose among several session types, or takes the preselected one", () => {
    const two = config({
      sessionTypes: [
        sessionType("5e000000-0000-4000-8000-000000000030"),
        sessionType("5e000000-0000-4000-8000-000000000060"),
      ],
    });
    expect(step(started, { type: "config", answer: two })[0].state).to.equal("choose-session-type");
    const pre = step(
      started,
      { type: "config", answer: two },
      { ...env, sessionType: "5e000000-0000-4000-8000-000000000030" },
    );
    expect(pre[0].state).to.equal("calendar");
    expect(pre[0].sessionType?.id).to.equal("5e000000-0000-4000-8000-000000000030");
    const chosen = step(step(started, { type: "config", answer: two })[0], {
      type: "choose",
      sessionType: sessionType("5e000000-0000-4000-8000-000000000060"),
    });
    expect(chosen[0].state).to.equal("calendar");
    expect(chosen[1]).to.deep.include({
      type: "create-attempt",
      sessionTypeId: "5e000000-0000-4000-8000-000000000060",
    });
  });

  it("shows demo and unavailable builders as they are, and a builder without session types as unavailable", () => {
    expect(step(started, { type: "config", answer: config({ state: "demo" }) })[0].state).to.equal("demo");
    expect(step(started, { type: "config", answer: config({ state: "unavailable" }) })[0].state).to.equal(
      "unavailable",
    );
    expect(step(started, { type: "config", answer: config({ sessionTypes: [] }) })[0].state).to.equal("unavailable");
  });

  it("needs a customer when the builder requires one and there is no token", () => {
    const s = step(started, { type: "config", answer: config({ requiresCustomer: true }) });
    expect(s[0].state).to.equal("auth-required");
    expect(s[1]).to.deep.include({ type: "auth-required", code: "customer_token_required" });
    expect(step(s[0], { type: "sign-in" })[1]).to.deep.equal([
      { type: "auth-required", code: "customer_token_required" },
    ]);
    const withToken = step(s[0], { type: "token-set" }, { ...env, customerToken: "ct" });
    expect(withToken[0].state).to.equal("calendar");
    expect(types(withToken)).to.include("create-attempt");
  });

  it("turns every malformed config into bad_answer (retryable), never a spinner", () => {
    const { sessionTypes: _, ...withoutTypes } = config();
    for (const answer of [
      withoutTypes,
      null,
      "",
      [],
      {},
      { ...config(), state: "open" },
      { ...config(), builder: null },
      { ...config(), sessionTypes: [{ id: "st" }] },
      { ...config(), sessionTypes: [{ ...sessionType(), price: { amount: 1.5, currency: "usd" } }] },
      { ...config(), calendly: { origin: "javascript:alert(1)" } },
    ]) {
      const [flow, effects] = step(started, { type: "config", answer });
      expect(flow.state, JSON.stringify(answer)).to.equal("error");
      expect(flow.error).to.include({ code: "bad_answer", retryable: true, during: "loading" });
      expect(effects).to.deep.include({
        type: "error",
        code: "bad_answer",
        message: "",
        retryable: true,
        state: "loading",
      });
    }
  });

  it("fails on an error, and Retry loads again", () => {
    const s = step(started, failed("network"));
    expect(s[0].state).to.equal("error");
    expect(s[1]).to.deep.include({ type: "error", code: "network", message: "", retryable: true, state: "loading" });
    const again = step(s[0], { type: "retry" });
    expect(again[0].state).to.equal("loading");
    expect(types(again)).to.deep.equal(["cancel", "fetch-config"]);
  });

  it("ignores events that mean nothing while loading", () => {
    for (const event of [
      { type: "attempt", answer: attempt },
      scheduled(),
      { type: "created", answer: created },
      { type: "polled", answer: booking("CONFIRMED") },
      { type: "watch", blocked: true },
      { type: "retry" },
      { type: "frame-loaded" },
      { type: "timer", name: "ready" },
      { type: "timer", name: "checkout" },
      { type: "timer", name: "hold" },
    ] as FlowEvent[]) {
      const [flow, effects] = step(started, event);
      expect(flow, event.type).to.deep.equal(started);
      expect(effects, event.type).to.deep.equal([]);
    }
  });
});

describe("booking-flow: calendar", () => {
  it("arms 'slow' and the ready timeout with the attempt; says slow, then fails with ready_timeout", () => {
    const s = step(step(started, { type: "config", answer: config() })[0], { type: "attempt", answer: attempt });
    expect(s[0].attempt?.attemptId).to.equal("att_1");
    expect(s[1]).to.deep.equal([
      { type: "timer", name: "slow", ms: 500 },
      { type: "timer", name: "ready", ms: 2000 },
    ]);
    const slow = step(s[0], { type: "timer", name: "slow" });
    expect(slow[0].calendar).to.equal("slow");
    const timedOut = step(slow[0], { type: "timer", name: "ready" });
    expect(timedOut[0].state).to.equal("error");
    expect(timedOut[0].error).to.include({ code: "ready_timeout", during: "calendar", retryable: true });
  });

  it("ends sooner when the frame loads and Calendly never speaks (an error page)", () => {
    const loaded = step(at.calendar(), { type: "frame-loaded" });
    expect(loaded[1]).to.deep.equal([{ type: "timer", name: "after-load", ms: 300 }]);
    const s = step(loaded[0], { type: "timer", name: "after-load" });
    expect(s[0].error).to.include({ code: "calendar_unavailable", during: "calendar" });
  });

  it("is ready on Calendly's first message: the timers stop, ready fires once, and late timers change nothing", () => {
    const s = step(at.calendar(), message("calendly.page_height", { height: "900px" }));
    expect(s[0].calendar).to.equal("ready");
    expect(s[0].height).to.equal(900);
    expect(s[1]).to.deep.equal([{ type: "cancel" }, { type: "ready" }]);
    expect(step(s[0], message("calendly.event_type_viewed"))[1]).to.deep.equal([]);
    for (const name of ["slow", "ready", "after-load"] as const) {
      expect(step(s[0], { type: "timer", name })[0]).to.equal(s[0]);
    }
    expect(step(s[0], message("calendly.page_height", { height: "9000px" }))[0].height, "clamped").to.equal(1400);
  });

  it("books a scheduled slot once per invitee, and ignores malformed ones", () => {
    const s = step(at.ready(), scheduled());
    expect(s[0].state).to.equal("creating-checkout");
    const slot = {
      attemptId: "att_1",
      eventUri: "https://api.calendly.com/scheduled_events/EV1",
      inviteeUri: "https://api.calendly.com/scheduled_events/EV1/invitees/INV1",
    };
    expect(s[1]).to.deep.equal([
      { type: "slot-scheduled", detail: { ...slot, eventUuid: "EV1", inviteeUuid: "INV1" } },
      { type: "create-booking", slot },
    ]);
    expect(step(s[0], scheduled())[1], "not twice").to.deep.equal([]);
    const bad = step(at.ready(), message("calendly.event_scheduled", { event: {}, invitee: { uri: "https://x/y" } }));
    expect(bad[0].state).to.equal("calendar");
    expect(bad[1]).to.deep.equal([]);
  });

  it("goes to sign-in when the attempt is refused for the customer token, and starts over with a new token", () => {
    const s = step(step(started, { type: "config", answer: config() })[0], failed("customer_token_invalid", false));
    expect(s[0].state).to.equal("auth-required");
    expect(s[1]).to.deep.include({ type: "auth-required", code: "customer_token_invalid" });
    const again = step(at.ready(), { type: "token-set" }, { ...env, customerToken: "ct2" });
    expect(again[0].state).to.equal("calendar");
    expect(again[0].attempt, "a new attempt for the new token").to.equal(undefined);
    expect(types(again)).to.deep.equal(["cancel", "create-attempt"]);
  });

  it("turns a malformed attempt into bad_answer", () => {
    const calendar = step(started, { type: "config", answer: config() })[0];
    for (const answer of [null, {}, { attemptId: "a" }, { attemptId: "a", calendlyUrl: "javascript:1" }]) {
      expect(step(calendar, { type: "attempt", answer })[0].error?.code, JSON.stringify(answer)).to.equal("bad_answer");
    }
  });

  it("Retry after a ready timeout shows the same attempt's calendar again with fresh timers", () => {
    const failedFlow = step(at.calendar(), { type: "timer", name: "ready" })[0];
    const s = step(failedFlow, { type: "retry" });
    expect(s[0].state).to.equal("calendar");
    expect(s[0].attempt?.attemptId).to.equal("att_1");
    expect(s[0].calendar).to.equal("waiting");
    expect(types(s)).to.deep.equal(["timer", "timer"]);
  });
});

describe("booking-flow: Open in Calendly (booking in Calendly's own page)", () => {
  const timedOut = () => step(at.calendar(), { type: "timer", name: "ready" })[0];
  const opened = () => step(timedOut(), { type: "open-calendly" });
  const waiting = { type: "outcome" as const, answer: { status: "waiting", expiresAt: hold } };
  const uris = {
    eventUri: "https://api.calendly.com/scheduled_events/EV2",
    inviteeUri: "https://api.calendly.com/scheduled_events/EV2/invitees/INV2",
  };
  const booked = { type: "outcome" as const, answer: { status: "booked", ...uris } };

  it("watches the attempt from the calendar's error: bounded by the watch timer, read every watchEvery", () => {
    const s = opened();
    expect(s[0].state).to.equal("calendar");
    expect(s[0].calendar).to.equal("elsewhere");
    expect(s[0].error).to.equal(undefined);
    expect(s[1]).to.deep.equal([
      { type: "cancel" },
      { type: "timer", name: "watch", ms: 9000 },
      { type: "timer", name: "watch-poll", ms: 250 },
    ]);
    const poll = step(s[0], { type: "timer", name: "watch-poll" });
    expect(poll[1]).to.deep.equal([{ type: "fetch-outcome", attemptId: "att_1" }]);
    const again = step(poll[0], waiting);
    expect(again[0]).to.equal(poll[0]);
    expect(again[1], "the next read after watchEvery, not at once").to.deep.equal([
      { type: "timer", name: "watch-poll", ms: 250 },
    ]);
  });

  it("goes on to checkout in this tab once the booking appears, and stops watching", () => {
    const s = step(opened()[0], booked);
    expect(s[0].state).to.equal("creating-checkout");
    const slot = { attemptId: "att_1", ...uris };
    expect(s[0].slot).to.deep.equal(slot);
    expect(s[1]).to.deep.equal([
      { type: "cancel" },
      { type: "slot-scheduled", detail: { ...slot, eventUuid: "EV2", inviteeUuid: "INV2" } },
      { type: "create-booking", slot },
    ]);
    expect(step(s[0], { type: "timer", name: "watch" })[0], "a late watch timer changes nothing").to.equal(s[0]);
    expect(step(s[0], booked)[1], "a late outcome books nothing twice").to.deep.equal([]);
    expect(
      step(step(s[0], { type: "created", answer: created })[0], { type: "timer", name: "watch" })[0].state,
    ).to.equal("redirecting");
  });

  it("stops after the watch timer with watch_timeout; Retry watches again", () => {
    const s = step(opened()[0], { type: "timer", name: "watch" });
    expect(s[0].state).to.equal("error");
    expect(s[0].error).to.include({ code: "watch_timeout", during: "calendar", retryable: true });
    expect(types(s)).to.deep.equal(["cancel", "error"]);
    const retried = step(s[0], { type: "retry" });
    expect(retried[0].calendar).to.equal("elsewhere");
    expect(types(retried)).to.deep.equal(["cancel", "timer", "timer"]);
  });

  it("a failed read while watching resumes the watch on Retry, and by itself when back online", () => {
    const lost = step(step(opened()[0], { type: "connection", online: false })[0], failed("network"))[0];
    expect(lost.error).to.include({ code: "network", during: "calendar" });
    const back = step(lost, { type: "connection", online: true });
    expect(back[0].state).to.equal("calendar");
    expect(back[0].calendar, "watching again, not the failed frame").to.equal("elsewhere");
    expect(back[0].online).to.equal(true);
    expect(types(back)).to.deep.equal(["cancel", "timer", "timer"]);
    const limited = step(opened()[0], failed("rate_limited", true, 2))[0];
    expect(step(limited, { type: "retry" })[0], "not while Retry-After lasts").to.equal(limited);
    const counted = run(limited, { type: "timer", name: "countdown" }, { type: "timer", name: "countdown" })[0];
    expect(step(counted, { type: "retry" })[0].calendar).to.equal("elsewhere");
    const frameFailed = step(at.calendar(), { type: "timer", name: "ready" })[0];
    expect(step(frameFailed, { type: "retry" })[0].calendar, "a failed frame still retries the frame").to.equal(
      "waiting",
    );
  });

  it("an expired attempt ends without Retry; a malformed outcome is bad_answer", () => {
    const expired = step(opened()[0], { type: "outcome", answer: { status: "expired" } });
    expect(expired[0].error).to.include({ code: "attempt_expired", retryable: false });
    for (const answer of [null, {}, { status: "booked" }, { status: "booked", eventUri: "", inviteeUri: "x" }, "x"]) {
      expect(step(opened()[0], { type: "outcome", answer })[0].error?.code, JSON.stringify(answer)).to.equal(
        "bad_answer",
      );
    }
  });

  it("means nothing outside the calendar's error, and outcomes mean nothing unless watching", () => {
    const loadFailed = step(started, failed("timeout"))[0];
    expect(step(loadFailed, { type: "open-calendly" })[0]).to.equal(loadFailed);
    const ready = at.ready();
    expect(step(ready, { type: "open-calendly" })[0]).to.equal(ready);
    expect(step(ready, booked)[0]).to.equal(ready);
    expect(step(ready, { type: "timer", name: "watch-poll" })[1]).to.deep.equal([]);
    expect(step(opened()[0], scheduled())[1], "no frame is shown while watching").to.deep.equal([]);
  });
});

describe("booking-flow: creating checkout and redirecting", () => {
  it("opens checkout once the booking exists, with the checkout timer armed first", () => {
    const s = step(at.creating(), { type: "created", answer: created });
    expect(s[0].state).to.equal("redirecting");
    expect(s[0].ref).to.deep.equal({ id: "b0000000-0000-4000-8000-000000000001", token: "tok" });
    expect(s[1]).to.deep.equal([
      { type: "cancel" },
      { type: "timer", name: "checkout", ms: 400 },
      { type: "open-checkout", checkout: created },
    ]);
  });

  it("Retry after a failed booking call posts the same slot again", () => {
    const failedFlow = step(at.creating(), failed("calendly_unavailable"))[0];
    expect(failedFlow.error?.during).to.equal("creating-checkout");
    const s = step(failedFlow, { type: "retry" });
    expect(s[0].state).to.equal("creating-checkout");
    expect(s[1]).to.deep.equal([{ type: "create-booking", slot: at.creating().slot! }]);
  });

  it("turns a malformed created booking into bad_answer", () => {
    for (const answer of [null, {}, { ...created, checkoutUrl: "" }, { ...created, holdExpiresAt: "soon" }]) {
      expect(step(at.creating(), { type: "created", answer })[0].error?.code).to.equal("bad_answer");
    }
  });

  it("watches the booking when the host navigates or the browser blocks it, offering the link when blocked", () => {
    const host = step(at.redirecting(), { type: "watch", blocked: false });
    expect(host[0].checkoutLink).to.equal(undefined);
    const deadline = Date.parse(hold); // the hold is later than now + confirm
    expect(host[1]).to.deep.equal([
      { type: "cancel" },
      { type: "poll", ref: { id: "b0000000-0000-4000-8000-000000000001", token: "tok" }, cancelled: false, deadline },
    ]);
    const late = step(at.redirecting(), { type: "timer", name: "checkout" });
    expect(late[0].checkoutLink).to.equal(created.checkoutUrl);
    expect(types(late)).to.deep.equal(["cancel", "poll"]);
  });
});

describe("booking-flow: confirming and the outcome", () => {
  const outcomes: [string, BawState][] = [
    ["CONFIRMED", "confirmed"],
    ["EXPIRED", "hold-expired"],
    ["FAILED", "payment-failed"],
  ];
  for (const [status, state] of outcomes) {
    it(`${status} → ${state}, with focus on its heading`, () => {
      const s = step(at.confirming(), { type: "polled", answer: booking(status) });
      expect(s[0].state).to.equal(state);
      expect(types(s)).to.include("focus-heading");
      expect(types(s).includes("booking-confirmed")).to.equal(status === "CONFIRMED");
    });
  }

  it("a pending booking with its hold left is payment-cancelled until the hold ends", () => {
    const s = step(at.confirming(), { type: "polled", answer: booking("PENDING_PAYMENT") });
    expect(s[0].state).to.equal("payment-cancelled");
    expect(s[1]).to.deep.include({ type: "timer", name: "hold", ms: 15 * 60_000 });
    expect(step(s[0], { type: "timer", name: "hold" })[0].state).to.equal("hold-expired");
    const back = step(s[0], { type: "return-to-checkout" });
    expect(back[0].state).to.equal("redirecting");
    expect(types(back)).to.deep.equal(["cancel", "timer", "open-checkout"]);
    const gone = step(at.confirming(), {
      type: "polled",
      answer: booking("PENDING_PAYMENT", { holdExpiresAt: new Date(NOW - 1).toISOString() }),
    });
    expect(gone[0].state).to.equal("hold-expired");
  });

  it("a cancelled or refunded booking is an error without retry", () => {
    for (const status of ["CANCELLED", "REFUNDED"]) {
      const s = step(at.confirming(), { type: "polled", answer: booking(status) });
      expect(s[0].error).to.include({ code: "booking_cancelled", retryable: false });
    }
  });

  it("turns a malformed booking into bad_answer", () => {
    for (const answer of [
      null,
      {},
      booking("PAID"),
      booking("CONFIRMED", { price: null }),
      booking("CONFIRMED", { startTime: "x" }),
    ]) {
      expect(step(at.confirming(), { type: "polled", answer })[0].error?.code, JSON.stringify(answer)).to.equal(
        "bad_answer",
      );
    }
  });

  it("pauses polling offline, says so, and resumes when back online", () => {
    const offline = step(at.confirming(), { type: "connection", online: false });
    expect(offline[0].online).to.equal(false);
    expect(offline[1]).to.deep.equal([{ type: "cancel" }]);
    const back = step(offline[0], { type: "connection", online: true });
    expect(back[0].state).to.equal("confirming");
    expect(types(back)).to.deep.equal(["cancel", "poll"]);
  });

  it("retries by itself when the connection returns after a network error or a confirm timeout", () => {
    for (const code of ["network", "confirm_timeout"]) {
      const broken = run(at.confirming(), { type: "connection", online: false }, failed(code))[0];
      expect(broken.state).to.equal("error");
      const back = step(broken, { type: "connection", online: true });
      expect(back[0].state, code).to.equal("confirming");
      expect(types(back)).to.include("poll");
    }
    const refused = run(at.calendar(), { type: "connection", online: false }, failed("origin_not_allowed", false))[0];
    expect(step(refused, { type: "connection", online: true })[0].state).to.equal("error");
  });
});

describe("booking-flow: error", () => {
  it("keeps Retry disabled while Retry-After counts down, a second at a time", () => {
    const limited = step(started, failed("rate_limited", true, 3));
    expect(limited[0].error?.retryIn).to.equal(3);
    expect(limited[1]).to.deep.include({ type: "timer", name: "countdown", ms: 1000 });
    expect(step(limited[0], { type: "retry" })[0], "Retry does nothing yet").to.equal(limited[0]);
    const [two] = step(limited[0], { type: "timer", name: "countdown" });
    const [one, more] = step(two, { type: "timer", name: "countdown" });
    expect(one.error?.retryIn).to.equal(1);
    expect(more).to.deep.equal([{ type: "timer", name: "countdown", ms: 1000 }]);
    const [zero, none] = step(one, { type: "timer", name: "countdown" });
    expect(zero.error?.retryIn).to.equal(0);
    expect(none).to.deep.equal([]);
    expect(step(zero, { type: "retry" })[0].state).to.equal("loading");
  });

  it("does not retry what cannot be retried, keeps the first error, and 'Book another time' starts over", () => {
    const refused = step(started, failed("origin_not_allowed", false))[0];
    expect(step(refused, { type: "retry" })[0]).to.equal(refused);
    expect(step(refused, failed("network"))[0]).to.equal(refused);
    const again = step(refused, { type: "again" });
    expect(again[0].state).to.equal("loading");
    expect(types(again)).to.deep.equal(["forget-return", "cancel", "fetch-config"]);
  });

  it("'Book another time' after an outcome preselects the same session type", () => {
    const [done] = step(at.confirming(), { type: "polled", answer: booking("EXPIRED") });
    const [loading] = step(done, { type: "again" });
    expect(loading.wantedType).to.equal("5e000000-0000-4000-8000-000000000060");
    expect(loading.booking).to.equal(undefined);
    const two = config({
      sessionTypes: [
        sessionType("5e000000-0000-4000-8000-000000000030"),
        sessionType("5e000000-0000-4000-8000-000000000060"),
      ],
    });
    expect(step(loading, { type: "config", answer: two })[0].sessionType?.id).to.equal(
      "5e000000-0000-4000-8000-000000000060",
    );
  });

  it("reload (a new builder, api-base or site key) starts over from any state", () => {
    for (const flow of [at.calendar(), at.creating(), at.redirecting(), at.confirming()]) {
      const s = step(flow, { type: "reload" });
      expect(s[0].state).to.equal("loading");
      expect(types(s)).to.deep.equal(["cancel", "fetch-config"]);
    }
  });
});

describe("booking-flow: every state", () => {
  it("has a way out: each waiting state can fail into error with a baw-error effect", () => {
    const waiting: Flow[] = [started, at.calendar(), at.creating(), at.redirecting(), at.confirming()];
    for (const flow of waiting) {
      const [next, effects] = step(flow, failed("timeout"));
      expect(next.state, flow.state).to.equal("error");
      expect(effects.find((e): e is Extract<Effect, { type: "error" }> => e.type === "error")?.state).to.equal(
        flow.state,
      );
    }
  });
});
