// SPDX-License-Identifier: MIT

/** An error from the service (its JSON `{error, message, retryable}`), the network, or a timeout. */
export class ApiError extends Error {
  constructor(
    /** Service error code, or `network` / `timeout`. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    /** Seconds to wait before retrying, from the answer's `Retry-After`. */
    readonly retryAfter?: number,
    /** The request's field the service named, if any (`invitee.email`). */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Whether an error only means "we stopped listening" (abort on disconnect or a newer run). */
export const isAbort = (e: unknown): boolean => (e as Error)?.name === "AbortError";

/**
 * Calls the booking service: every request carries `X-Baw-Site-Key`, is aborted by `signal`
 * and by its own `timeout`, and non-2xx answers become an {@link ApiError}.
 */
export async function request<T>(
  base = "",
  siteKey = "",
  path: string,
  signal: AbortSignal,
  timeout: number,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<T> {
  const ctl = new AbortController();
  const abort = () => ctl.abort();
  const timer = setTimeout(abort, timeout);
  signal.addEventListener("abort", abort);
  const headers: Record<string, string> = { "x-baw-site-key": siteKey };
  if (init.body) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let res: Response;
  try {
    res = await fetch(base.replace(/\/+$/, "") + path, {
      method: init.method,
      headers,
      body: init.body ? JSON.stringify(init.body) : null,
      signal: ctl.signal,
      credentials: "omit",
    });
  } catch (e) {
    if (signal.aborted) throw e; // the caller stopped listening: nothing to report
    throw new ApiError(ctl.signal.aborted ? "timeout" : "network", "", true);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", abort);
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new ApiError(
      body.error ?? `http_${res.status}`,
      body.message ?? "",
      body.retryable ?? (res.status >= 500 || res.status === 429),
      Number(res.headers.get("retry-after")) || undefined,
      body.field,
    );
  }
  return body as T;
}
