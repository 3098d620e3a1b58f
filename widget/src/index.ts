// SPDX-License-Identifier: MIT
export { BawBookBuilder, DEFAULT_TIMEOUTS } from "./baw-book-builder.js";
export { calendlyUrl } from "./calendly-url.js";
export { define, tagName } from "./define.js";
export * from "./events/index.js";

import { enWatch } from "./calendly-watch.js";
import { enError } from "./error-view.js";
import { enAfterCheckout } from "./i18n/en-after-checkout.js";
import { enPayFirst } from "./i18n/en-pay-first.js";
import { en as enUpToCheckout, type Strings } from "./i18n/index.js";
import { enStart } from "./start-views.js";

export { registerLocale, type Strings } from "./i18n/index.js";

/** Every English string: a base for `registerLocale`. */
export const en: Strings = { ...enUpToCheckout, ...enStart, ...enAfterCheckout, ...enPayFirst, ...enWatch, ...enError };
export { navigateTop } from "./navigate.js";
export type * from "./types.js";
