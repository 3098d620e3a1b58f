// SPDX-License-Identifier: MIT

import type { BawState } from "../types.js";
import { BawEvent } from "./baw-event.js";

export interface BawErrorDetail {
  /**
   * The service's error code (e.g. `builder_not_found`, `rate_limited`), or the element's own: `network`,
   * `timeout`, `ready_timeout`, `calendar_unavailable`, `confirm_timeout`, `bad_answer` (a malformed answer),
   * `unknown` (an exception).
   */
  code: string;
  message: string;
  retryable: boolean;
  /** The state the element was in when the error happened. */
  state: BawState;
}

/** Fired when the element enters its error state. */
export class BawErrorEvent extends BawEvent<BawErrorDetail> {
  static override readonly eventName = "baw-error";
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-error": BawErrorEvent;
  }
}
