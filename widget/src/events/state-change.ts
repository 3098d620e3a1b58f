// SPDX-License-Identifier: MIT

import type { BawState } from "../types.js";
import { BawEvent } from "./baw-event.js";

export interface BawStateChangeDetail {
  state: BawState;
  previous: BawState;
}

/** Fired on every state change; the host also reflects the state as its `state` attribute. */
export class BawStateChangeEvent extends BawEvent<BawStateChangeDetail> {
  static override readonly eventName = "baw-state-change";
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-state-change": BawStateChangeEvent;
  }
}
