// A failed Calendly read for available times, as the caller should hear it.
import { AppError, conflict, upstream } from "../../lib/errors.js";
import { type CalendlyError, isCalendlyError } from "../../providers/calendly.js";
import type { DomainContext } from "../context.js";

/** 409 that the element answers by falling back to the embedded flow, silently. */
export function payFirstUnavailable(builderName: string, reasonCode: string, why: string): AppError {
  return conflict(
    "pay_first_unavailable",
    `builder: ${builderName} cannot be booked pay-first: ${why} (${reasonCode})`,
  );
}

export function availabilityFailure(error: CalendlyError, builderName: string): AppError {
  // Limits are per Calendly user: this builder's budget is spent for now.
  if (error.kind === "rate_limited") {
    return new AppError(429, "calendly_rate_limited", "Calendly is limiting requests for this builder; please retry", {
      retryable: true,
      retryAfterSeconds: Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 1000)),
    });
  }
  if (error.kind === "unauthorized") {
    return new AppError(502, "calendly_misconfigured", "The booking service cannot authenticate with Calendly", {
      retryable: false,
    });
  }
  if (error.kind === "not_found") {
    return payFirstUnavailable(builderName, "no_event_type", "the Calendly event type no longer exists");
  }
  return upstream("calendly_unavailable", `Calendly did not answer (${error.kind}); please retry`);
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
