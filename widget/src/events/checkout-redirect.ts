// SPDX-License-Identifier: MIT
import { BawEvent } from "./baw-event.js";

export interface BawCheckoutRedirectDetail {
  bookingId: string;
  checkoutUrl: string;
  holdExpiresAt: string;
}

/** Fired before navigating to Stripe Checkout. Cancelable: call `preventDefault()` to navigate yourself. */
export class BawCheckoutRedirectEvent extends BawEvent<BawCheckoutRedirectDetail> {
  static override readonly eventName = "baw-checkout-redirect";
  static override readonly cancelable = true;
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-checkout-redirect": BawCheckoutRedirectEvent;
  }
}
