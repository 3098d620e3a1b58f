// SPDX-License-Identifier: MIT

/**
 * Base of the element's events: each subclass names its type in `eventName`. They bubble and are
 * composed (they leave the shadow root), and carry a typed `detail`.
 */
export abstract class BawEvent<D> extends CustomEvent<D> {
  /** The event type, e.g. `baw-ready`. */
  static readonly eventName: string;
  /** Whether `preventDefault()` means something. */
  static readonly cancelable: boolean = false;

  constructor(detail: D) {
    const type = new.target as unknown as typeof BawEvent;
    super(type.eventName, { bubbles: true, composed: true, cancelable: type.cancelable, detail });
  }
}
