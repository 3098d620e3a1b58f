// SPDX-License-Identifier: MIT
// Entry of the CDN bundle: registers the element. (Types and the event classes come with the npm package.)
export { BawBookBuilder } from "./baw-book-builder.js";
export { define } from "./define.js";
export { registerLocale } from "./i18n/index.js";
