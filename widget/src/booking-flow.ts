// SPDX-License-Identifier: MIT
/**
 * The booking flow as a pure function: `next(flow, event, env)` returns the next flow and the
 * effects to run. It never touches the DOM, the network or the clock (the time comes in `env`);
 * `<baw-book-builder>` renders the flow and runs the effects, and feeds their outcomes back in as
 * events. Every answer from the service is shape-checked here, so a malformed one ends in the
 * `error` state like any other failure.
 *
 * Once a slot is booked, `nextAfterCheckout` in `after-checkout-flow.ts` takes the events of
 * checkout and its outcome (`created`, `watch`, `polled`, `return-to-checkout`, the checkout and
 * hold timers). It loads with the code after checkout, which the element fetches before the first
 * request that leads to those events, so the first file every page loads stays small. In the same
 * way `nextCalendar` (`calendar-flow.ts`) takes Calendly's messages, with the calendar's frame, and
 * `nextPayFirst` (`pay-first-flow.ts`) the pay-first picker's events, with the picker.
 */
import type { WatchTimeouts } from "./attempt-outcome.js";
import type { CalendlyMessage } from "./calendly-messages.js";
import type { BawSlotScheduledDetail } from "./events/slot-scheduled.js";
import type { PayFirst, PayFirstEffect, PayFirstEvent } from "./pay-first-flow.js";
import { isBookingAttempt, isBookingConfig } from "./service-answers.js";
import type {
  BawState,
  Booking,
  BookingAttempt,
  BookingConfig,
  BookingFlow,
  BookingRef,
  CreatedBooking,
  SessionType,
  Timeouts,
} from "./types.js";

/** A failure as the flow sees it: the service's error, the network, a timeout, or an exception. */
export interface Failure {
  code: string;
  /** The service's own message, if any (the element prefers its strings for codes it knows). */
  message: string;
  retryable: boolean;
  /** Seconds the service asked us to wait (`Retry-After`). */
  retryAfter?: number;
}

export interface FlowError extends Failure {
  /** The state the failure happened in; Retry resumes there. */
  during: BawState;
  /** Seconds until Retry can succeed; Retry is disabled while above zero. */
  retryIn: number;
}

/** What the visitor scheduled in Calendly: the body of `POST /v1/bookings`. */
export type ScheduledSlot = { attemptId: string; eventUri: string; inviteeUri: string };

/**
 * Whether the calendar has spoken: `waiting`, `slow` (waiting longer than usual), or `ready`; or
 * `elsewhere`: the visitor took the attempt to Calendly's own page and the element watches it.
 */
export type CalendarStatus = "waiting" | "slow" | "ready" | "elsewhere";

export type TimerName = "slow" | "ready" | "after-load" | "checkout" | "hold" | "countdown" | "watch" | "watch-poll";

export interface Flow {
  state: BawState;
  config?: BookingConfig;
  sessionType?: SessionType;
  /** Session type to preselect after "Book another time". */
  wantedType?: string;
  attempt?: BookingAttempt;
  calendar: CalendarStatus;
  /** Calendly's page height, clamped. */
  height: number;
  /** Invitee URIs already reported by Calendly (a slot is booked once). */
  invitees: string[];
  slot?: ScheduledSlot;
  /** The booking being paid: its reference, checkout URL and hold. */
  ref?: BookingRef;
  checkout?: CreatedBooking;
  /** Checkout's URL to offer as a link, when the top window could not be navigated. */
  checkoutLink?: string;
  cancelled: boolean;
  /** Why sign-in is needed: `customer_token_required`, or a refused token (`customer_token_invalid`). */
  authCode?: string;
  booking?: Booking;
  /** Pay first: the picker's week and times, the chosen time and the visitor's answers (see `pay-first-flow.ts`). */
  pay?: PayFirst;
  error?: FlowError;
  /** The element is (near) on screen; the attempt and the iframe wait for it. */
  visible: boolean;
  online: boolean;
}

/** What the flow reads from the element and the clock at each event. */
export interface FlowEnv {
  now: number;
  timeouts: Timeouts & WatchTimeouts;
  /** The `session-type` attribute. */
  sessionType?: string;
  customerToken?: string;
  /** The `flow` attribute (the builder's choice in the config wins). */
  flow?: BookingFlow;
}

export type FlowEvent =
  | { type: "start"; ref?: BookingRef; cancelled: boolean; visible: boolean; online: boolean }
  | { type: "reload" }
  | { type: "config"; answer: unknown }
  | { type: "choose"; sessionType: SessionType }
  | { type: "token-set" }
  | { type: "sign-in" }
  | { type: "shown" }
  | { type: "attempt"; answer: unknown }
  | { type: "frame-loaded" }
  | { type: "calendly"; message: CalendlyMessage }
  /** The visitor used "Open in Calendly": watch the attempt until its slot is booked there. */
  | { type: "open-calendly" }
  | { type: "outcome"; answer: unknown }
  | { type: "created"; answer: unknown }
  /** Checkout was opened elsewhere (`blocked`: the element offers a link) or by the host: watch the booking. */
  | { type: "watch"; blocked: boolean }
  | { type: "return-to-checkout" }
  | { type: "polled"; answer: unknown }
  | { type: "timer"; name: TimerName }
  | { type: "failed"; failure: Failure }
  | { type: "retry" }
  | { type: "again" }
  | { type: "connection"; online: boolean }
  | PayFirstEvent;

export type Effect =
  | { type: "fetch-config" }
  | { type: "create-attempt"; sessionTypeId: string }
  | { type: "create-booking"; slot: ScheduledSlot }
  | { type: "fetch-outcome"; attemptId: string }
  | { type: "open-checkout"; checkout: CreatedBooking }
  /** Polls the booking while it waits for payment (`scheduling`: and while the service books it in Calendly). */
  | { type: "poll"; ref: BookingRef; cancelled: boolean; deadline: number; scheduling?: boolean }
  | { type: "timer"; name: TimerName; ms: number }
  /** Drop every request in flight and every timer. */
  | { type: "cancel" }
  /** Remove the return-from-checkout parameters from the page URL and the attributes. */
  | { type: "forget-return" }
  | { type: "focus-heading" }
  | { type: "ready" }
  | { type: "slot-scheduled"; detail: BawSlotScheduledDetail }
  | { type: "booking-confirmed"; booking: Booking }
  | { type: "auth-required"; code: string }
  | { type: "error"; code: string; message: string; retryable: boolean; state: BawState }
  | PayFirstEffect;

export type Step = [Flow, Effect[]];

export const initialFlow = (): Flow => ({
  state: "loading",
  calendar: "waiting",
  height: 700,
  invitees: [],
  cancelled: false,
  visible: false,
  online: true,
});

export const badAnswer: Failure = { code: "bad_answer", message: "", retryable: true };

/** Codes that a working connection may cure: Retry runs by itself when the browser comes back online. */
export const CONNECTION_CODES = ["network", "timeout", "confirm_timeout"];

function load(flow: Flow): Step {
  return [
    {
      ...flow,
      state: "loading",
      config: undefined,
      sessionType: undefined,
      attempt: undefined,
      slot: undefined,
      error: undefined,
    },
    [{ type: "cancel" }, { type: "fetch-config" }],
  ];
}

export function fail(flow: Flow, failure: Failure): Step {
  const retryIn = Math.max(0, Math.ceil(failure.retryAfter ?? 0));
  const error: FlowError = { ...failure, during: flow.state, retryIn };
  const effects: Effect[] = [
    { type: "cancel" },
    { type: "error", code: error.code, message: error.message, retryable: error.retryable, state: flow.state },
  ];
  if (error.retryable && retryIn) effects.push({ type: "timer", name: "countdown", ms: 1000 });
  return [{ ...flow, state: "error", error }, effects];
}

function needAuth(flow: Flow, code: string): Step {
  return [{ ...flow, state: "auth-required", authCode: code }, [{ type: "cancel" }, { type: "auth-required", code }]];
}

/** The calendar's timers: "taking longer than usual", then the ready timeout. */
const readyTimers = (env: FlowEnv): Effect[] => [
  { type: "timer", name: "slow", ms: env.timeouts.slow },
  { type: "timer", name: "ready", ms: env.timeouts.ready },
];

/**
 * The flow this builder is booked with: the builder's own choice, else the `flow` attribute; pay
 * first only while the service can offer it (else, quietly, the embedded calendar, as with a
 * service that predates pay first and sends no `flow`).
 */
export const chooseFlow = ({ flow }: BookingConfig, attribute?: BookingFlow): BookingFlow =>
  (flow?.builderChoice ?? attribute) === "pay-first" && flow?.payFirst?.available ? "pay-first" : "embedded";

/** Pay first: the first week of times from now (the element loads the picker with them). */
const firstWeek = (flow: Flow, env: FlowEnv): Effect => ({
  type: "fetch-times",
  sessionTypeId: flow.sessionType!.id,
  from: env.now,
});

/** With a session type chosen: sign-in if needed, then the calendar or the picker (their requests wait until visible). */
export function begin(flow: Flow, sessionType: SessionType, env: FlowEnv): Step {
  const chosen = {
    ...flow,
    sessionType,
    attempt: undefined,
    slot: undefined,
    pay: undefined,
    invitees: [],
    calendar: "waiting" as const,
  };
  if (flow.config?.requiresCustomer && !env.customerToken) return needAuth(chosen, "customer_token_required");
  const effects: Effect[] = [{ type: "cancel" }];
  if (chooseFlow(flow.config!, env.flow) === "pay-first") {
    if (flow.visible) effects.push(firstWeek(chosen, env));
    return [{ ...chosen, state: "pick-time" }, effects];
  }
  if (flow.visible) effects.push({ type: "create-attempt", sessionTypeId: sessionType.id });
  return [{ ...chosen, state: "calendar" }, effects];
}

function onConfig(flow: Flow, answer: unknown, env: FlowEnv): Step {
  if (!isBookingConfig(answer)) return fail(flow, badAnswer);
  const configured = { ...flow, config: answer };
  if (answer.state !== "bookable") return [{ ...configured, state: answer.state }, []];
  const types = answer.sessionTypes;
  const wanted = flow.wantedType || env.sessionType;
  const type = types.find((s) => s.id === wanted) ?? (types.length === 1 ? types[0] : undefined);
  if (type) return begin(configured, type, env);
  return [{ ...configured, state: types.length ? "choose-session-type" : "unavailable" }, []];
}

function onAttempt(flow: Flow, answer: unknown, env: FlowEnv): Step {
  if (!isBookingAttempt(answer)) return fail(flow, badAnswer);
  return [{ ...flow, attempt: answer, calendar: "waiting", invitees: [] }, readyTimers(env)];
}

function confirm(flow: Flow, env: FlowEnv): Step {
  const confirming: Flow = { ...flow, state: "confirming", error: undefined };
  if (!flow.online) return [confirming, [{ type: "cancel" }]]; // resumes on the `online` event
  const deadline = env.now + env.timeouts.confirm;
  return [confirming, [{ type: "cancel" }, { type: "poll", ref: flow.ref!, cancelled: flow.cancelled, deadline }]];
}

/** Retry resumes the step that failed, with what the flow already has. */
function retry(flow: Flow, env: FlowEnv): Step {
  const error = flow.error;
  if (!error?.retryable || error.retryIn > 0) return [flow, []];
  switch (error.during) {
    case "calendar":
      if (!flow.attempt) return begin(flow, flow.sessionType!, env);
      return [{ ...flow, state: "calendar", calendar: "waiting", error: undefined }, readyTimers(env)];
    case "creating-checkout":
      return [
        { ...flow, state: "creating-checkout", error: undefined },
        [{ type: "create-booking", slot: flow.slot! }],
      ];
    case "redirecting":
    case "confirming":
    case "scheduling":
      return confirm(flow, env);
    default:
      return load(flow);
  }
}

function onTimer(flow: Flow, name: TimerName): Step {
  const { state, calendar } = flow;
  if (state === "calendar" && calendar === "elsewhere") return [flow, []]; // the watch's timers (see `calendly-watch.ts`)
  if (state === "calendar" && calendar !== "ready") {
    if (name === "slow") return [{ ...flow, calendar: "slow" }, []];
    if (name === "ready") return fail(flow, { code: "ready_timeout", message: "", retryable: true });
    if (name === "after-load") return fail(flow, { code: "calendar_unavailable", message: "", retryable: true });
  }
  if (state === "error" && name === "countdown" && flow.error!.retryIn > 0) {
    const retryIn = flow.error!.retryIn - 1;
    const more: Effect[] = retryIn ? [{ type: "timer", name: "countdown", ms: 1000 }] : [];
    return [{ ...flow, error: { ...flow.error!, retryIn } }, more];
  }
  return [flow, []];
}

function onConnection(flow: Flow, online: boolean, env: FlowEnv): Step {
  const was = flow.online;
  const next = { ...flow, online };
  if (was === online) return [next, []];
  if (flow.state === "confirming") return online ? confirm(next, env) : [next, [{ type: "cancel" }]];
  const error = flow.error;
  if (online && flow.state === "error" && error && CONNECTION_CODES.includes(error.code)) return retry(next, env);
  return [next, []];
}

/** The next flow and the effects to run, for `event` in `flow`. Events that mean nothing in the current state change nothing. */
export function next(flow: Flow, event: FlowEvent, env: FlowEnv): Step {
  const { state } = flow;
  switch (event.type) {
    case "start": {
      const started = { ...flow, visible: event.visible, online: event.online, cancelled: event.cancelled };
      return event.ref ? confirm({ ...started, ref: event.ref }, env) : load(started);
    }
    case "reload":
      return load(flow);
    case "config":
      return state === "loading" ? onConfig(flow, event.answer, env) : [flow, []];
    case "choose":
      return state === "choose-session-type" ? begin(flow, event.sessionType, env) : [flow, []];
    case "token-set":
      return flow.sessionType && env.customerToken && (state === "auth-required" || state === "calendar")
        ? begin(flow, flow.sessionType, env)
        : [flow, []];
    case "sign-in":
      return state === "auth-required"
        ? [flow, [{ type: "auth-required", code: "customer_token_required" }]]
        : [flow, []];
    case "shown": {
      const shown = { ...flow, visible: true };
      if (!flow.visible && state === "pick-time") return [shown, [firstWeek(flow, env)]];
      if (flow.visible || state !== "calendar") return [shown, []];
      return [
        shown,
        flow.attempt ? readyTimers(env) : [{ type: "create-attempt", sessionTypeId: flow.sessionType!.id }],
      ];
    }
    case "attempt":
      return state === "calendar" && !flow.attempt ? onAttempt(flow, event.answer, env) : [flow, []];
    case "frame-loaded":
      return state === "calendar" && flow.calendar !== "ready"
        ? [flow, [{ type: "timer", name: "after-load", ms: env.timeouts.afterLoad }]]
        : [flow, []];
    case "timer":
      return onTimer(flow, event.name);
    case "failed": {
      if (state === "error") return [flow, []];
      const { code } = event.failure;
      if (state === "calendar" && code.startsWith("customer_token_")) return needAuth(flow, code);
      return fail(flow, event.failure);
    }
    case "retry":
      return state === "error" ? retry(flow, env) : [flow, []];
    case "again": {
      const wantedType = flow.booking?.sessionType.id ?? flow.sessionType?.id;
      const [loading, effects] = load({
        ...flow,
        wantedType,
        booking: undefined,
        ref: undefined,
        checkout: undefined,
        checkoutLink: undefined,
        cancelled: false,
      });
      return [loading, [{ type: "forget-return" }, ...effects]];
    }
    case "connection":
      return onConnection(flow, event.online, env);
    default:
      // The calendar's messages (see `nextCalendar`), the events after checkout (`nextAfterCheckout`),
      // of the watch (`nextWatch`) and of pay first (`nextPayFirst`).
      return [flow, []];
  }
}
