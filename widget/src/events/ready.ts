// SPDX-License-Identifier: MIT
import { BawEvent } from "./baw-event.js";

export interface BawReadyDetail {
  /** The Calendly URL loaded in the iframe (with embed parameters). */
  url: string;
}

/** Fired once per loaded calendar, on the first message from Calendly (not on the iframe `load` event). */
export class BawReadyEvent extends BawEvent<BawReadyDetail> {
  static override readonly eventName = "baw-ready";
}

declare global {
  interface GlobalEventHandlersEventMap {
    "baw-ready": BawReadyEvent;
  }
}
