// SPDX-License-Identifier: MIT
import { BawEvent } from "./baw-event.js";

export interface BawReservedDetail {
  /** The booking the reservation created (PENDING_PAYMENT until checkout completes). */
  bookingId: string;
}

/**
 * Pay first: fired when the chosen time is reserved for the visitor, just before checkout opens
 * (`baw-checkout-redirect`). Nothing is booked in Calendly until the payment succeeds.
 */
export class BawReservedEvent extends BawEvent<BawReservedDetail> {
  static override readonly eventName = "baw-reserved";
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-reserved": BawReservedEvent;
  }
}
