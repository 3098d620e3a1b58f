// SPDX-License-Identifier: MIT
export * from "./auth-required.js";
export * from "./baw-event.js";
export * from "./booking-confirmed.js";
export * from "./checkout-redirect.js";
export * from "./error.js";
export * from "./ready.js";
export * from "./reserved.js";
export * from "./slot-scheduled.js";
export * from "./slot-selected.js";
export * from "./state-change.js";
