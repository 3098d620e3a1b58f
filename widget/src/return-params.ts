// SPDX-License-Identifier: MIT
import type { BookingRef } from "./types.js";

/** What the page URL (or the element's attributes) says about a return from Stripe Checkout. */
export interface ReturnInfo {
  ref?: BookingRef;
  cancelled: boolean;
}

/**
 * Reads `baw_booking` + `baw_token`, or `session_id`, and `baw_checkout=cancelled`. Attributes win.
 * (`forgetReturn` in `booking-result.ts` removes them again.)
 */
export function readReturn(
  search: string,
  attrs: { bookingId?: string; bookingToken?: string; checkoutSession?: string },
): ReturnInfo {
  const q = new URLSearchParams(search);
  const id = attrs.bookingId || q.get("baw_booking");
  const token = attrs.bookingToken || q.get("baw_token");
  const sessionId = attrs.checkoutSession || q.get("session_id");
  return {
    ref: id && token ? { id, token } : sessionId ? { sessionId } : undefined,
    cancelled: q.get("baw_checkout") === "cancelled",
  };
}
