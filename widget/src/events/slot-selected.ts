// SPDX-License-Identifier: MIT
import { BawEvent } from "./baw-event.js";

export interface BawSlotSelectedDetail {
  /** The chosen start time, ISO 8601 in UTC as the service lists it. */
  startTime: string;
  /** The IANA time zone the visitor sees times in (and Calendly's e-mails use). */
  timezone: string;
}

/** Pay first: fired when the visitor picks a time in the element's picker. Nothing is reserved yet. */
export class BawSlotSelectedEvent extends BawEvent<BawSlotSelectedDetail> {
  static override readonly eventName = "baw-slot-selected";
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-slot-selected": BawSlotSelectedEvent;
  }
}
