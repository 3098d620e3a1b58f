// SPDX-License-Identifier: MIT
/**
 * Pay first, then book (see `booking-flow.ts` for the flow as a whole): the element's own picker
 * of times, week by week; the visitor's details and the event type's questions; the reservation
 * that opens checkout; and, when a paid time was taken before the service could book it, another
 * time picked and rebooked. Pure, like the rest of the flow; it loads with the picker
 * (`slot-picker.ts`), which the element fetches before the first request that leads to its events.
 * The answers of the reservation and the rebooking, which lead to checkout and to the booking's
 * status, are `nextAfterCheckout`'s (they come with the code after checkout).
 */
import {
  badAnswer,
  begin,
  CONNECTION_CODES,
  type Effect,
  type Failure,
  type Flow,
  type FlowEnv,
  type FlowEvent,
  fail,
  type Step,
} from "./booking-flow.js";
import { isObject, isText } from "./service-answers.js";
import type { AvailableTimes, BawState } from "./types.js";

/** One week of times, the span the picker asks for at once. */
export const WEEK = 7 * 86_400_000;
/** How far ahead the visitor can page (Calendly's availability reaches about two months ahead). */
export const AHEAD = 60 * 86_400_000;

/** The event type's questions, as the picker's form asks them. */
export type Question = AvailableTimes["questions"][number];

/** What the picker and its form hold (see `Flow.pay`). */
export interface PayFirst {
  /** Start of the week shown, in milliseconds; the first week starts now. */
  from: number;
  /** The week's times and the event type's questions; undefined while they load. */
  times?: AvailableTimes;
  /** The day shown (`YYYY-MM-DD` in the time zone shown); undefined: the chosen time's, else the first with times. */
  day?: string;
  /** The chosen start time. */
  startTime?: string;
  /** The time zone times are shown in; undefined until the visitor picks one (the browser's). */
  zone?: string;
  /** The visitor's answers by field: `name`, `email` and `q<position>`; kept when a reservation is refused. */
  values: Record<string, string>;
  /** What is wrong, by field (as in `values`): `required`, `invalidEmail` or `invalid` (keys of the strings). */
  errors: Record<string, string>;
  /** The chosen time was just taken: the picker says so over fresh times. */
  taken?: boolean;
}

/** A refusal from the service, with the field it names. */
export type Refusal = Failure & { field?: string };

export type PayFirstEvent =
  | { type: "times"; answer: unknown; from: number }
  | { type: "week"; step: 1 | -1 }
  | { type: "day"; day: string }
  | { type: "pick"; startTime: string; timezone: string }
  | { type: "zone"; zone: string }
  /** Pick-time: on to the details; needs-new-time: book the chosen time instead. */
  | { type: "continue" }
  | { type: "change-time" }
  | { type: "submit"; values: Record<string, string>; timezone: string }
  /** `POST /v1/reservations`' answer. */
  | { type: "reservation"; answer: unknown }
  /** `POST /v1/bookings/{id}/rebook`'s answer. */
  | { type: "rebooked"; answer: unknown }
  /** The service refused the reservation or the rebooking (or could not be reached). */
  | { type: "refused"; failure: Refusal };

/** The body of `POST /v1/reservations`. */
export interface ReservationBody {
  builder: string;
  sessionTypeId: string;
  startTime: string;
  invitee: { name: string; email: string; timezone: string };
  answers: { position: number; answer: string }[];
  customerToken?: string;
}

export type PayFirstEffect =
  /** Times of the week from `from` (`builder`: the booking's, after checkout; else the element's). */
  | { type: "fetch-times"; sessionTypeId: string; from: number; builder?: string }
  | { type: "reserve"; body: ReservationBody }
  | { type: "rebook"; ref: { id: string; token: string }; startTime: string }
  | { type: "slot-selected"; detail: { startTime: string; timezone: string } }
  | { type: "reserved"; bookingId: string };

/** The states whose view is the picker's (`slot-picker-view.ts`). */
export const PICKER_STATES: BawState[] = ["pick-time", "details", "reserving", "needs-new-time", "rebooking"];

const isTime = (v: unknown): v is string => isText(v) && !Number.isNaN(Date.parse(v));
const QUESTION_TYPES = ["string", "text", "phone_number", "single_select", "multi_select"];

/** `GET /v1/builders/{builder}/available-times`' answer, as far as the picker reads it. */
export const isAvailableTimes = (v: unknown): v is AvailableTimes =>
  isObject(v) &&
  Array.isArray(v.times) &&
  v.times.every((t) => isObject(t) && isTime(t.startTime) && isTime(t.endTime)) &&
  Array.isArray(v.questions) &&
  v.questions.every(
    (q) =>
      isObject(q) &&
      Number.isInteger(q.position) &&
      typeof q.name === "string" &&
      QUESTION_TYPES.includes(q.type as string) &&
      typeof q.required === "boolean" &&
      Array.isArray(q.answerChoices) &&
      q.answerChoices.every((c) => typeof c === "string"),
  );

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What is wrong with the visitor's answers: by field, the key of the string that says so. */
export function validate(values: Record<string, string>, questions: Question[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const name = values.name?.trim();
  const email = values.email?.trim();
  if (!name) errors.name = "required";
  if (!email) errors.email = "required";
  else if (!EMAIL.test(email)) errors.email = "invalidEmail";
  for (const q of questions) if (q.required && !values[`q${q.position}`]?.trim()) errors[`q${q.position}`] = "required";
  return errors;
}

/** The answers to send: the questions' in order, unanswered ones left out. */
const answers = ({ times, values }: PayFirst): ReservationBody["answers"] =>
  (times?.questions ?? [])
    .map((q) => ({ position: q.position, answer: values[`q${q.position}`]?.trim() ?? "" }))
    .filter((a) => a.answer);

/** The reservation for the chosen time, with the visitor's answers. */
export function reservation(flow: Flow, env: FlowEnv): ReservationBody {
  const pay = flow.pay!;
  const v = pay.values;
  return {
    builder: flow.config!.builder.id,
    sessionTypeId: flow.sessionType!.id,
    startTime: pay.startTime!,
    invitee: { name: v.name!.trim(), email: v.email!.trim(), timezone: pay.zone! },
    answers: answers(pay),
    customerToken: env.customerToken || undefined,
  };
}

/** The service's name of a field (`invitee.email`, `answers.1.answer`) as the form's, if the form has it. */
export function formField(field: string | undefined, pay: PayFirst): string | undefined {
  if (field === "invitee.name" || field === "invitee.email") return field.slice(8);
  const answer = /^answers\.(\d+)/.exec(field ?? "");
  const sent = answer ? answers(pay)[Number(answer[1])] : undefined;
  return sent && `q${sent.position}`;
}

const blank = (from: number): PayFirst => ({ from, values: {}, errors: {} });

/** The session type to book: the chosen one, or after checkout the booking's. */
const sessionTypeId = (flow: Flow): string => flow.sessionType?.id ?? flow.booking!.sessionType.id;

/** Shows `state` with the times of the week from `from` loading (the rest of what the picker holds is kept). */
function loadWeek(flow: Flow, state: BawState, from: number, more: Partial<PayFirst> = {}): Step {
  const pay = { ...(flow.pay ?? blank(from)), from, times: undefined, day: undefined, ...more };
  const fetch: Effect = {
    type: "fetch-times",
    sessionTypeId: sessionTypeId(flow),
    from,
    builder: flow.booking?.builder.id,
  };
  return [{ ...flow, state, pay, error: undefined }, [{ type: "cancel" }, fetch]];
}

/** The state the picker is shown in: before checkout, or to rebook a paid booking. */
const pickState = (flow: Flow): BawState =>
  flow.booking?.status === "NEEDS_NEW_TIME" ? "needs-new-time" : "pick-time";

/** The booking's reference with its token (rebooking needs it; a return by Stripe's session id alone has none). */
export const rebookRef = (flow: Flow): { id: string; token: string } | undefined =>
  flow.ref && "token" in flow.ref && flow.ref.token ? flow.ref : undefined;

function onTimes(flow: Flow, answer: unknown, from: number): Step {
  if (!isAvailableTimes(answer)) return fail(flow, badAnswer);
  const pay = flow.pay ?? blank(from);
  // A time that is gone from the fresh times is no longer chosen.
  const startTime = answer.times.some((t) => t.startTime === pay.startTime) ? pay.startTime : undefined;
  return [{ ...flow, pay: { ...pay, from, times: answer, startTime } }, []];
}

function onWeek(flow: Flow, step: 1 | -1, env: FlowEnv): Step {
  const { from, times } = flow.pay!;
  if (!times) return [flow, []];
  if (step > 0 ? from + WEEK >= env.now + AHEAD : from <= env.now) return [flow, []];
  return loadWeek(flow, flow.state, step > 0 ? from + WEEK : Math.max(env.now, from - WEEK));
}

function onSubmit(flow: Flow, values: Record<string, string>, timezone: string, env: FlowEnv): Step {
  const pay = flow.pay!;
  const errors = validate(values, pay.times?.questions ?? []);
  const next = { ...flow, pay: { ...pay, values, errors, zone: timezone } };
  if (Object.keys(errors).length) return [next, []];
  return [{ ...next, state: "reserving" }, [{ type: "cancel" }, { type: "reserve", body: reservation(next, env) }]];
}

/** The service can no longer offer pay first for this builder: the embedded calendar, quietly. */
function embedded(flow: Flow, env: FlowEnv): Step {
  const config = flow.config!;
  const without = { ...config, flow: { ...config.flow, payFirst: { available: false } } };
  return begin({ ...flow, config: without }, flow.sessionType!, env);
}

function onRefused(flow: Flow, failure: Refusal, env: FlowEnv): Step {
  const { code } = failure;
  if (code === "slot_unavailable" || failure.field === "startTime") {
    const [next, effects] = loadWeek(flow, pickState(flow), flow.pay!.from, { startTime: undefined, taken: true });
    return [next, [...effects, { type: "focus-heading" }]];
  }
  if (code === "pay_first_unavailable" && flow.state === "reserving") return embedded(flow, env);
  if (code === "rebook_window_closed") return [{ ...flow, state: "refunded" }, [{ type: "focus-heading" }]];
  const field = failure.retryable ? undefined : formField(failure.field, flow.pay!);
  if (field && flow.state === "reserving") {
    const pay = flow.pay!;
    return [{ ...flow, state: "details", pay: { ...pay, errors: { ...pay.errors, [field]: "invalid" } } }, []];
  }
  return fail(flow, failure);
}

/** Retry resumes the picker's step that failed, with what the visitor already chose and typed. */
function retry(flow: Flow, env: FlowEnv): Step {
  const { during } = flow.error!;
  const pay = flow.pay;
  if (during === "reserving" && pay?.startTime) {
    return [
      { ...flow, state: "reserving", error: undefined },
      [{ type: "cancel" }, { type: "reserve", body: reservation(flow, env) }],
    ];
  }
  const ref = rebookRef(flow);
  if (during === "rebooking" && pay?.startTime && ref) {
    return [
      { ...flow, state: "rebooking", error: undefined },
      [{ type: "cancel" }, { type: "rebook", ref, startTime: pay.startTime }],
    ];
  }
  if (during === "details" && pay?.times) return [{ ...flow, state: "details", error: undefined }, []];
  return loadWeek(flow, pickState(flow), pay?.from ?? env.now);
}

/** The next step for the picker's events (and Retry of its steps); undefined for every other event. */
export function nextPayFirst(flow: Flow, event: FlowEvent, env: FlowEnv): Step | undefined {
  const { state, pay, error } = flow;
  const picking = state === "pick-time" || state === "needs-new-time";
  const none: Step = [flow, []];
  switch (event.type) {
    case "times":
      return picking && !pay?.times ? onTimes(flow, event.answer, event.from) : none;
    case "week":
      return picking && pay ? onWeek(flow, event.step, env) : none;
    case "day":
      return picking && pay ? [{ ...flow, pay: { ...pay, day: event.day } }, []] : none;
    case "pick": {
      if (!picking || !pay?.times?.times.some((t) => t.startTime === event.startTime)) return none;
      const { startTime, timezone } = event;
      return [
        { ...flow, pay: { ...pay, startTime, taken: false } },
        [{ type: "slot-selected", detail: { startTime, timezone } }],
      ];
    }
    case "zone":
      // Also while the first week loads (the select is there already).
      return picking || state === "details"
        ? [{ ...flow, pay: { ...(pay ?? blank(env.now)), zone: event.zone, day: undefined } }, []]
        : none;
    case "continue": {
      if (!picking || !pay?.startTime) return none;
      if (state === "pick-time") return [{ ...flow, state: "details" }, [{ type: "focus-heading" }]];
      const ref = rebookRef(flow);
      if (!ref) return none;
      return [{ ...flow, state: "rebooking" }, [{ type: "cancel" }, { type: "rebook", ref, startTime: pay.startTime }]];
    }
    case "change-time":
      return state === "details" ? [{ ...flow, state: "pick-time" }, [{ type: "focus-heading" }]] : none;
    case "submit":
      return state === "details" && pay?.startTime ? onSubmit(flow, event.values, event.timezone, env) : none;
    case "refused":
      return state === "reserving" || state === "rebooking" ? onRefused(flow, event.failure, env) : none;
    // Times refused because pay first cannot be offered (before any payment): the calendar, quietly.
    case "failed":
      return state === "pick-time" && flow.config && event.failure.code === "pay_first_unavailable"
        ? embedded(flow, env)
        : undefined;
    // The picker's steps resume on Retry, and by themselves when the connection returns after a network failure.
    case "retry":
      return state === "error" && PICKER_STATES.includes(error!.during) && error!.retryable && !error!.retryIn
        ? retry(flow, env)
        : undefined;
    case "connection":
      return state === "error" &&
        PICKER_STATES.includes(error!.during) &&
        event.online &&
        !flow.online &&
        CONNECTION_CODES.includes(error!.code)
        ? retry({ ...flow, online: true }, env)
        : undefined;
    default:
      return undefined;
  }
}
