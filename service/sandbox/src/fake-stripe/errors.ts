// Stripe-shaped API errors: `{error: {type, code, message, param, doc_url}}` with Stripe's HTTP statuses.

export type StripeErrorType =
  | "api_error"
  | "card_error"
  | "idempotency_error"
  | "invalid_request_error"
  | "rate_limit_error"
  | "authentication_error";

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
}

export class ApiError extends Error {
  /**
   * Whether an idempotent request that ended in this error stores it for replay. Stripe saves a
   * result only once the endpoint started executing: parameter validation failures and
   * conflicts are not saved, so a corrected retry with the same key goes through.
   */
  saveForReplay = true;
  headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }

  toJSON(): { error: StripeErrorBody } {
    const error: StripeErrorBody = { ...this.body };
    if (error.code && !error.doc_url)
      error.doc_url = `https://stripe.com/docs/error-codes/${error.code.replace(/_/g, "-")}`;
    return { error };
  }
}

/** 400 invalid_request_error raised while validating parameters (not saved for idempotent replay). */
export function invalidParam(message: string, param?: string, code?: string): ApiError {
  const err = new ApiError(400, {
    type: "invalid_request_error",
    message,
    ...(param ? { param } : {}),
    ...(code ? { code } : {}),
  });
  err.saveForReplay = false;
  return err;
}

/** 400 invalid_request_error raised by the endpoint itself (state does not allow it); saved for replay. */
export function invalidState(message: string, code?: string, param?: string): ApiError {
  return new ApiError(400, {
    type: "invalid_request_error",
    message,
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
  });
}

export function missingParam(param: string): ApiError {
  return invalidParam(`Missing required param: ${param}.`, param, "parameter_missing");
}

/**
 * An unknown id. In the URL path: 404, naming the path parameter as Stripe's API does (e.g.
 * `session` for /v1/checkout/sessions/{session}); referenced from a body parameter: 400 naming it.
 */
export function resourceMissing(kind: string, id: string, where: { path: string } | { body: string }): ApiError {
  const err = new ApiError("body" in where ? 400 : 404, {
    type: "invalid_request_error",
    code: "resource_missing",
    message: `No such ${kind}: '${id}'`,
    param: "body" in where ? where.body : where.path,
  });
  err.saveForReplay = false;
  return err;
}

export function unrecognizedUrl(method: string, path: string): ApiError {
  const err = new ApiError(404, {
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
  err.saveForReplay = false;
  return err;
}

export function authenticationError(message: string): ApiError {
  // Stripe answers a bad or missing key with 401 and type invalid_request_error.
  const err = new ApiError(401, { type: "invalid_request_error", message });
  err.saveForReplay = false;
  return err;
}

export function idempotencyMismatch(key: string, reason: "params" | "endpoint"): ApiError {
  const err = new ApiError(400, {
    type: "idempotency_error",
    message:
      reason === "params"
        ? `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`
        : `Keys for idempotent requests can only be used for the same endpoint they were first used for. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
  err.saveForReplay = false;
  return err;
}

export function idempotencyInFlight(key: string): ApiError {
  const err = new ApiError(409, {
    type: "idempotency_error",
    code: "idempotency_key_in_use",
    message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
  });
  err.saveForReplay = false;
  err.headers["Stripe-Should-Retry"] = "true";
  return err;
}

export function apiError(status: number, message = "An unknown error occurred (sandbox fault injection)."): ApiError {
  const type: StripeErrorType =
    status === 429 ? "rate_limit_error" : status === 401 ? "authentication_error" : "api_error";
  const err = new ApiError(status, {
    type,
    message: status === 429 ? "Too many requests hit the API too quickly. (sandbox fault injection)" : message,
    ...(status === 429 ? { code: "rate_limit" } : {}),
  });
  err.saveForReplay = false;
  return err;
}

/** Stripe's redaction of a key in error messages: the first 8 and last 4 characters. */
export function redactKey(key: string): string {
  return key.length <= 8 ? "****" : `${key.slice(0, 8)}${"*".repeat(Math.min(key.length - 12, 20))}${key.slice(-4)}`;
}

/**
 * A connected account the platform cannot reach (unknown, deleted, or deauthorized), named in the
 * Stripe-Account header or the URL: 403 account_invalid, as Stripe answers.
 */
export function accountInvalid(secretKey: string, id: string): ApiError {
  const err = new ApiError(403, {
    type: "invalid_request_error",
    code: "account_invalid",
    message: `The provided key '${redactKey(secretKey)}' does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`,
  });
  err.saveForReplay = false;
  return err;
}
