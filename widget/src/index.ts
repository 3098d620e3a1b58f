// SPDX-License-Identifier: MIT
export { BawBookBuilder, DEFAULT_TIMEOUTS } from "./baw-book-builder.js";
export { calendlyUrl } from "./calendly-url.js";
export { define, tagName } from "./define.js";
export * from "./events/index.js";
export { en, registerLocale, type Strings } from "./i18n/index.js";
export { navigateTop } from "./navigate.js";
export type * from "./types.js";
