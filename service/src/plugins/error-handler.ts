// The one error handler: 4xx answers name the field, 5xx answers never leak internals.
import type { FastifyError, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, type ErrorBody } from "../lib/errors.js";

const DATABASE_DOWN =
  /ECONNREFUSED|ECONNRESET|Connection terminated|connect ETIMEDOUT|Can't reach database|terminating connection|DatabaseNotReachable|P1001|P1017|Query read timeout|timeout exceeded when trying to connect|Unable to start a transaction in the given time/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { message?: string; code?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (DATABASE_DOWN.test(`${e.code ?? ""} ${e.message ?? ""}`)) return true;
  return e.cause !== undefined && e.cause !== e && isDatabaseUnavailable(e.cause);
}

function toBody(error: FastifyError | AppError | Error, requestId: string): ErrorBody {
  if (error instanceof AppError) {
    return {
      statusCode: error.statusCode,
      error: error.code,
      message: error.message,
      ...(error.extra.field ? { field: error.extra.field } : {}),
      ...(error.extra.retryable !== undefined ? { retryable: error.extra.retryable } : {}),
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where = error.validationContext ?? "request";
    const pathParts = (first?.instancePath ?? "").split("/").filter(Boolean);
    // A strict object names the unexpected keys in the issue, not in its path.
    const unknownKey =
      first?.keyword === "unrecognized_keys" ? (first.params?.keys as string[] | undefined)?.[0] : undefined;
    if (unknownKey !== undefined) pathParts.push(unknownKey);
    const field = pathParts.length > 0 ? pathParts.join(".") : (first?.params?.issue?.path?.join(".") ?? where);
    const problem = unknownKey !== undefined ? "is not an accepted field" : (first?.message ?? "is invalid");
    return {
      statusCode: 400,
      error: "validation_error",
      message: `${where}${field && field !== where ? `.${field}` : ""}: ${problem}`,
      field: field || where,
    };
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    const code = (error as FastifyError).code ?? "bad_request";
    const friendly: Record<string, string> = {
      FST_ERR_CTP_INVALID_JSON_BODY: "body: is not valid JSON",
      FST_ERR_CTP_EMPTY_JSON_BODY: "body: must not be empty when Content-Type is application/json",
      FST_ERR_CTP_BODY_TOO_LARGE: "body: is larger than this endpoint accepts",
      FST_ERR_CTP_INVALID_MEDIA_TYPE: "content-type: is not supported here; send application/json",
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: "content-length: does not match the body",
    };
    return {
      statusCode: status,
      error: status === 429 ? "rate_limited" : code.toLowerCase().replace(/^fst_err_/, ""),
      message: friendly[code] ?? error.message,
      ...(status === 429 ? { retryable: true } : {}),
    };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      statusCode: 503,
      error: "database_unavailable",
      message: "The booking service cannot reach its database right now. Please retry shortly.",
      retryable: true,
      requestId,
    };
  }
  return {
    statusCode: 500,
    error: "internal_error",
    message: "Something went wrong on our side. Please retry; if it persists, quote the request id.",
    retryable: true,
    requestId,
  };
}

async function errorHandler(fastify: FastifyInstance) {
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const body = toBody(error, request.id);
    if (body.statusCode >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: body.error, statusCode: body.statusCode }, "request rejected");
    if (body.statusCode === 503 && !reply.hasHeader("retry-after")) reply.header("retry-after", "5");
    if (error instanceof AppError && error.extra.retryAfterSeconds) {
      reply.header("retry-after", String(error.extra.retryAfterSeconds));
    }
    return reply.code(body.statusCode).send(body);
  });

  fastify.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      error: "route_not_found",
      message: `${request.method} ${request.url.split("?")[0]} is not a route of this service; see /docs`,
    };
    return reply.code(404).send(body);
  });
}

export default fp(errorHandler, { name: "error-handler" });
