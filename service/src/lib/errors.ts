// Domain errors carry their HTTP status, a stable code and, for input errors, the field.

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: { field?: string; retryable?: boolean; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }
}

export const notFound = (code: string, message: string) => new AppError(404, code, message);
export const badRequest = (field: string, message: string) =>
  new AppError(400, "validation_error", `${field}: ${message}`, { field });
export const unprocessable = (code: string, message: string, field?: string) =>
  new AppError(422, code, message, { field });
export const unauthorized = (code: string, message: string) => new AppError(401, code, message);
export const forbidden = (code: string, message: string) => new AppError(403, code, message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const upstream = (code: string, message: string) => new AppError(502, code, message, { retryable: true });
export const unavailable = (code: string, message: string) => new AppError(503, code, message, { retryable: true });

/** The JSON body every error answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
  retryable?: boolean;
  requestId?: string;
}
