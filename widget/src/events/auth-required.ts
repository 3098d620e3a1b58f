// SPDX-License-Identifier: MIT
import { BawEvent } from "./baw-event.js";

export interface BawAuthRequiredDetail {
  builder: string;
  /** `customer_token_required` or `customer_token_invalid`. */
  code: string;
}

/** Fired when booking needs a signed-in customer: open your sign-in, then set `customer-token`. */
export class BawAuthRequiredEvent extends BawEvent<BawAuthRequiredDetail> {
  static override readonly eventName = "baw-auth-required";
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-auth-required": BawAuthRequiredEvent;
  }
}
