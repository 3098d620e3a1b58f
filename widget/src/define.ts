// SPDX-License-Identifier: MIT
import { BawBookBuilder } from "./baw-book-builder.js";

/** The element's tag name. */
export const tagName = "baw-book-builder";

/** Registers `<baw-book-builder>` unless something already did (two bundles on one page are fine). */
export function define(): void {
  if (typeof customElements !== "undefined" && !customElements.get(tagName))
    customElements.define(tagName, BawBookBuilder);
}

define();
