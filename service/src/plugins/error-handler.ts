// The one error handler: 4xx answers name the field, 5xx answers never leak internals.
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, type ErrorBody } from "../lib/errors.js";

/** Codes that mean the database cannot be reached: Node's socket errors, Prisma's, PostgreSQL's SQLSTATE. */
const DATABASE_DOWN_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  // Prisma: can't reach, timed out, closed the connection, pool timeout, transaction could not start.
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
  "P2028",
  // PostgreSQL: the server is shutting down, crashed, or not accepting connections yet.
  "57P01",
  "57P02",
  "57P03",
]);
/** The driver adapter's kinds for the same (Prisma's DriverAdapterError carries them as `cause.kind`). */
const DATABASE_DOWN_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
// node-postgres gives these two failures no code; its messages are all there is to go by.
const PG_UNCODED = /^(Connection terminated|timeout exceeded when trying to connect)/;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 5) return false;
  const e = error as { name?: unknown; code?: unknown; kind?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === "string" && (DATABASE_DOWN_CODES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) return true;
  if (typeof e.kind === "string" && DATABASE_DOWN_KINDS.has(e.kind)) return true;
  if (e.name === "PrismaClientInitializationError") return true;
  if (typeof e.message === "string" && e.code === undefined && PG_UNCODED.test(e.message)) return true;
  return e.cause !== e && isDatabaseUnavailable(e.cause, depth + 1);
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

/** The longest path parameter the router accepts (Fastify's maxParamLength). */
export const MAX_PARAM_LENGTH = 100;

/**
 * Errors the router raises before any route or hook runs (Fastify's `frameworkErrors`): a URL
 * that is not validly percent-encoded, or a path parameter over {@link MAX_PARAM_LENGTH}.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const body: ErrorBody =
    error.code === "FST_ERR_BAD_URL"
      ? { statusCode: 400, error: "bad_url", message: "url: is not a validly percent-encoded URL", field: "url" }
      : error.code === "FST_ERR_MAX_PARAM_LENGTH"
        ? {
            statusCode: 414,
            error: "uri_too_long",
            message: `url: a path segment is longer than the ${MAX_PARAM_LENGTH} characters this service accepts`,
            field: "url",
          }
        : {
            statusCode: 500,
            error: "internal_error",
            message: "Something went wrong on our side. Please retry; if it persists, quote the request id.",
            retryable: true,
            requestId: request.id,
          };
  if (body.statusCode >= 500) request.log.error({ err: error }, "request failed");
  else request.log.info({ code: body.error, statusCode: body.statusCode }, "request rejected");
  reply.header("x-request-id", request.id);
  return reply.code(body.statusCode).send(body);
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (Fastify's `clientErrorHandler`):
 * headers or URL over Node's limit (431), a request that took too long (408), malformed HTTP (400).
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const body: ErrorBody =
    error.code === "HPE_HEADER_OVERFLOW"
      ? {
          statusCode: 431,
          error: "headers_too_large",
          message:
            "headers: the request line and headers are larger than this service accepts (16 KiB); shorten the URL",
        }
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? { statusCode: 408, error: "request_timeout", message: "request: not received in time", retryable: true }
        : { statusCode: 400, error: "bad_request", message: "request: is not valid HTTP/1.1" };
  const json = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode]}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
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
