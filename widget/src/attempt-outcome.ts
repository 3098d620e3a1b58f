// SPDX-License-Identifier: MIT
// `GET /v1/booking-attempts/{attemptId}/outcome`: what became of an attempt the visitor took to
// Calendly's own page ("Open in Calendly"). The element watches it until the slot is booked.
import type { AttemptOutcome } from "./generated/contract.js";
import { isObject, isText } from "./service-answers.js";

export type { AttemptOutcome };

/** How long and how often the element watches an attempt booked in another tab, in milliseconds. */
export interface WatchTimeouts {
  /** From "Open in Calendly" to giving up with `watch_timeout`. */
  watch: number;
  /** Between two reads of the attempt's outcome. */
  watchEvery: number;
}

export const isAttemptOutcome = (v: unknown): v is AttemptOutcome =>
  isObject(v) &&
  (v.status === "waiting" ||
    v.status === "expired" ||
    (v.status === "booked" && isText(v.eventUri) && isText(v.inviteeUri)));
