// SPDX-License-Identifier: MIT
/**
 * "Open in Calendly" without a back door around payment: after the visitor takes the attempt to
 * Calendly's own page, the element reads the attempt's outcome every `watchEvery` ms, for `watch`
 * ms at most, and goes on to checkout in this tab once the booking appears there. Pure, like the
 * rest of the flow; it loads when the visitor uses the link, so the first file every page loads
 * stays small.
 */
import { isAttemptOutcome } from "./attempt-outcome.js";
import { badAnswer, type Flow, type FlowEnv, type FlowEvent, fail, type Step } from "./booking-flow.js";
import type { View } from "./booking-result.js";
// Through the frame's module, which always loads first: the two share no chunk of their own.
import { scheduled } from "./calendar-frame.js";
import { openCalendlyLink } from "./error-view.js";
import type { Strings } from "./i18n/index.js";

/** English strings of the watch (German ones are in `i18n/de.ts`). */
export const enWatch = {
  calendarElsewhere: "Pick your time in the Calendly tab. Once it's booked, payment continues here.",
  watch_timeout: "No booking arrived from the Calendly tab. If you booked there, Retry continues to payment.",
  attempt_expired: "This booking attempt has expired. Please start again.",
};

/** The calendar while the visitor books in Calendly's own tab (the link again, should the tab be gone). */
export const watchView = (title: string, strings: Partial<Strings>, view: View, href: string, watch: () => void) =>
  view(title, { ...enWatch, ...strings }.calendarElsewhere, openCalendlyLink(href, watch, strings), true);

function watch(flow: Flow, env: FlowEnv): Step {
  return [
    { ...flow, state: "calendar", calendar: "elsewhere", error: undefined },
    [
      { type: "cancel" },
      { type: "timer", name: "watch", ms: env.timeouts.watch },
      { type: "timer", name: "watch-poll", ms: env.timeouts.watchEvery },
    ],
  ];
}

function onOutcome(flow: Flow, answer: unknown, env: FlowEnv): Step {
  if (!isAttemptOutcome(answer)) return fail(flow, badAnswer);
  if (answer.status === "booked") {
    const { eventUri, inviteeUri } = answer;
    return scheduled(flow, { eventUri, inviteeUri }, [{ type: "cancel" }]);
  }
  if (answer.status === "expired") return fail(flow, { code: "attempt_expired", message: "", retryable: false });
  return [flow, [{ type: "timer", name: "watch-poll", ms: env.timeouts.watchEvery }]];
}

/** The step for the watch's events, or undefined for every other event (`next` judges those). */
export function nextWatch(flow: Flow, event: FlowEvent, env: FlowEnv): Step | undefined {
  const { state, error } = flow;
  const watching = state === "calendar" && flow.calendar === "elsewhere";
  switch (event.type) {
    case "open-calendly":
      return state === "error" && error?.during === "calendar" && flow.attempt ? watch(flow, env) : [flow, []];
    case "outcome":
      return watching ? onOutcome(flow, event.answer, env) : [flow, []];
    case "timer":
      if (watching && event.name === "watch-poll") {
        return [flow, [{ type: "fetch-outcome", attemptId: flow.attempt!.attemptId }]];
      }
      if (watching && event.name === "watch") {
        return fail(flow, { code: "watch_timeout", message: "", retryable: true });
      }
      return undefined;
    // A watch that ended (in watch_timeout, or a failed read) resumes on Retry, and by itself when
    // the connection returns after a network failure, rather than going back to the failed frame.
    case "retry":
      return state === "error" && flow.calendar === "elsewhere" && error!.retryable && !error!.retryIn
        ? watch(flow, env)
        : undefined;
    case "connection":
      return state === "error" && flow.calendar === "elsewhere" && event.online && !flow.online
        ? ["network", "timeout"].includes(error!.code)
          ? watch({ ...flow, online: true }, env)
          : [{ ...flow, online: true }, []]
        : undefined;
    default:
      return undefined;
  }
}
