// SPDX-License-Identifier: MIT
// Shape checks of the booking service's answers: the flow trusts nothing it has not checked, so a
// malformed answer becomes the `bad_answer` error instead of an exception later (or a spinner forever).
import type { BookingAttempt, BookingConfig, Money, SessionType } from "./types.js";

type Shape = Record<string, unknown>;

export const isObject = (v: unknown): v is Shape => typeof v === "object" && v !== null && !Array.isArray(v);
export const isText = (v: unknown): v is string => typeof v === "string" && v !== "";
export const isHttpUrl = (v: unknown): v is string => isText(v) && /^https?:\/\//.test(v);

export const isMoney = (v: unknown): v is Money =>
  isObject(v) && Number.isInteger(v.amount) && isText(v.currency) && /^[a-z]{3}$/i.test(v.currency);

const isSessionType = (v: unknown): v is SessionType =>
  isObject(v) && isText(v.id) && isText(v.name) && typeof v.durationMinutes === "number" && isMoney(v.price);

export function isBookingConfig(v: unknown): v is BookingConfig {
  if (!isObject(v) || !["bookable", "demo", "unavailable"].includes(v.state as string)) return false;
  if (!isObject(v.builder) || !isText(v.builder.name)) return false;
  if (v.state !== "bookable") return true;
  const calendly = v.calendly;
  return (
    Array.isArray(v.sessionTypes) &&
    v.sessionTypes.every(isSessionType) &&
    (calendly === null || (isObject(calendly) && isHttpUrl(calendly.origin)))
  );
}

export const isBookingAttempt = (v: unknown): v is BookingAttempt =>
  isObject(v) && isText(v.attemptId) && isHttpUrl(v.calendlyUrl);
