// SPDX-License-Identifier: MIT
/**
 * Pay first: the element's own picker of times, the visitor's details, and the rebooking of a paid
 * booking whose time was taken. Loaded on demand, with the first request for times, so pages of the
 * embedded flow never load it. Until it is there the element shows its loading view; when it cannot
 * load (offline) the element ends in `error` (`network`) with Retry.
 */
import type { WatchTimeouts } from "./attempt-outcome.js";
import type { Effect, FlowEvent } from "./booking-flow.js";
import type { Call } from "./booking-result.js";
import { BawReservedEvent } from "./events/reserved.js";
import { BawSlotSelectedEvent } from "./events/slot-selected.js";
import { type PayFirstEffect, WEEK } from "./pay-first-flow.js";
import { pickerStyles } from "./slot-picker-styles.js";
import type { Timeouts } from "./types.js";

export { nextPayFirst } from "./pay-first-flow.js";
export { payFirstView } from "./slot-picker-view.js";

/** What the runner needs of the element. */
export interface PickerElement {
  builder: string;
  renderRoot: HTMLElement | DocumentFragment;
  dispatchEvent(event: Event): boolean;
}

/** Adds the picker's styles to the element's shadow root, once. */
function adopt(root: HTMLElement | DocumentFragment): void {
  if (!(root instanceof ShadowRoot)) return;
  const sheet = pickerStyles();
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** The effects this module runs (`reserve` and `rebook` come with checkout's module, see `booking-result.ts`). */
type PickerEffect = Exclude<PayFirstEffect, { type: "reserve" | "rebook" }>;
const isPickerEffect = (effect: Effect): effect is PickerEffect =>
  ["fetch-times", "slot-selected", "reserved"].includes(effect.type);

/**
 * Runs one of the picker's effects for `element`: the requests (their answer comes back as the
 * event of the same name) and its events (`baw-slot-selected`, `baw-reserved`), which fire at once.
 */
export async function run(
  effect: Effect,
  element: PickerElement,
  call: Call,
  timeouts: Timeouts & WatchTimeouts,
): Promise<FlowEvent | undefined> {
  adopt(element.renderRoot);
  if (!isPickerEffect(effect)) return undefined;
  switch (effect.type) {
    case "fetch-times": {
      const { from, sessionTypeId } = effect;
      const query = new URLSearchParams({
        sessionTypeId,
        from: new Date(from).toISOString(),
        to: new Date(from + WEEK).toISOString(),
      });
      const builder = encodeURIComponent(effect.builder ?? element.builder);
      const answer = await call(`/v1/builders/${builder}/available-times?${query}`, timeouts.config);
      return { type: "times", answer, from };
    }
    case "slot-selected":
      element.dispatchEvent(new BawSlotSelectedEvent(effect.detail));
      return undefined;
    default:
      element.dispatchEvent(new BawReservedEvent({ bookingId: effect.bookingId }));
      return undefined;
  }
}
