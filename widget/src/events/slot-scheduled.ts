// SPDX-License-Identifier: MIT
import { BawEvent } from "./baw-event.js";

export interface BawSlotScheduledDetail {
  attemptId: string;
  eventUri: string;
  inviteeUri: string;
  /** Last path segment of `eventUri`. */
  eventUuid: string;
  /** Last path segment of `inviteeUri`. */
  inviteeUuid: string;
}

/** Fired when Calendly reports a scheduled slot. The slot is booked, not yet paid (see `baw-booking-confirmed`). */
export class BawSlotScheduledEvent extends BawEvent<BawSlotScheduledDetail> {
  static override readonly eventName = "baw-slot-scheduled";
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-slot-scheduled": BawSlotScheduledEvent;
  }
}
