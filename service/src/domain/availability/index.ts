// Pay first: the times a builder can be booked at, and the checks the reservation makes.
export { AvailabilityCache } from "./cache.js";
export { type EventTypeFacts, payFirstEventType } from "./event-type.js";
export { availableTimes, isSlotOpen } from "./times.js";
export { requestedWindow } from "./windows.js";
