// A failed Calendly read for available times, as the caller should hear it.
import { type AppError, conflict } from "../../lib/errors.js";
import { type CalendlyError, isCalendlyError } from "../../providers/calendly.js";
import type { DomainContext } from "../context.js";
import { calendlyFailure } from "../verification.js";

/** 409 that the element answers by falling back to the embedded flow, silently. */
export function payFirstUnavailable(builderName: string, reasonCode: string, why: string): AppError {
  return conflict(
    "pay_first_unavailable",
    `builder: ${builderName} cannot be booked pay-first: ${why} (${reasonCode})`,
  );
}

export function availabilityFailure(error: CalendlyError, builderName: string): AppError {
  // The event type itself is gone: pay-first cannot be offered (the element falls back quietly).
  if (error.kind === "not_found") {
    return payFirstUnavailable(builderName, "no_event_type", "the Calendly event type no longer exists");
  }
  return calendlyFailure(error, "The event type");
}

/** Times a Calendly call (metrics) and answers its failure as an AppError. */
export async function calendlyCall<T>(
  ctx: DomainContext,
  builderName: string,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await ctx.metrics.time("calendly", operation, call);
  } catch (error) {
    if (isCalendlyError(error)) throw availabilityFailure(error, builderName);
    throw error;
  }
}
