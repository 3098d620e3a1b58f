// SPDX-License-Identifier: MIT

import type { Booking } from "../types.js";
import { BawEvent } from "./baw-event.js";

export interface BawBookingConfirmedDetail {
  booking: Booking;
}

/** Fired when the service reports the booking as paid (`CONFIRMED`). */
export class BawBookingConfirmedEvent extends BawEvent<BawBookingConfirmedDetail> {
  static override readonly eventName = "baw-booking-confirmed";
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-booking-confirmed": BawBookingConfirmedEvent;
  }
}
