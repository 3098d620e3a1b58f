// The onboarding's calls to the service's partner API, made server-side with the demo's partner
// key: the browser only ever talks to the demo, and never sees the key.
import type { Builder } from "../catalog.js";

/** An answer of the service that names what went wrong (its error body). */
export interface ServiceError {
  status: number;
  /** Stable code, e.g. `validation_error`, `builder_slug_taken`. */
  code: string;
  message: string;
  /** The input field at fault, e.g. `slug` or `price.amount`. */
  field?: string;
}

export type Answer<T> = { ok: true; value: T } | { ok: false; error: ServiceError };

/** The service did not answer (stopped, restarting, unreachable) or failed on its side (5xx). */
export class ServiceUnavailable extends Error {
  override name = "ServiceUnavailable";
}

export interface CalendlyEventType {
  uri: string;
  name: string;
  durationMinutes: number;
  schedulingUrl?: string;
  active?: boolean;
}

/** A builder's Calendly connection as `GET /v1/partner/builders/{id}` shows it (never a token). */
export interface CalendlyConnection {
  /** oauth: the builder's own Calendly; token: the operator's; none: not connected. */
  mode?: string;
  connected: boolean;
  /** Why it is not connected, e.g. `calendly_disconnected`. */
  reason?: string | null;
  /** The Calendly user the connection acts for. */
  user?: { uri: string; name: string } | null;
  scopes?: string[];
  webhook?: { state: string | null } | null;
  /** The builder's event types; null without a connection or when Calendly could not be read. */
  eventTypes?: CalendlyEventType[] | null;
  /** Why `eventTypes` is null, e.g. `calendly_rate_limited`. */
  eventTypesError?: string;
}

/** A builder's payout account as `GET /v1/partner/builders/{id}` shows it. */
export interface PayoutStatus {
  /** "connect": builders are paid out through Stripe Connect; "single-merchant": no payout accounts. */
  mode?: string;
  /** not_started, onboarding, enabled, restricted or disconnected. */
  status: string;
  /** Stripe's reason when restricted, or why the account was disconnected. */
  reason?: string | null;
  /** The connected account (acct_…), once onboarding started. */
  accountId?: string | null;
}

export interface OnboardingBuilder extends Builder {
  refundPolicy?: string;
  refundCutoffHours?: number | null;
  calendly?: CalendlyConnection | null;
  payouts?: PayoutStatus | null;
}

export interface ProfileInput {
  slug: string;
  name: string;
  headline: string;
  bio: string;
  refundPolicy: string;
  refundCutoffHours: number | null;
}

/** Name and length come from the Calendly event type. */
export interface SessionTypeInput {
  calendlyEventTypeUri: string;
  price: { amount: number; currency: string };
}

export interface PartnerClient {
  createBuilder(input: ProfileInput): Promise<Answer<OnboardingBuilder>>;
  getBuilder(id: string): Promise<Answer<OnboardingBuilder>>;
  connectCalendly(id: string, returnUrl: string): Promise<Answer<{ authorizeUrl: string }>>;
  addSessionType(id: string, input: SessionTypeInput): Promise<Answer<{ id: string }>>;
  connectPayouts(id: string, returnUrl: string): Promise<Answer<{ url: string; payouts?: PayoutStatus }>>;
}

export function partnerClient(serviceUrl: () => string, partnerKey: () => string | undefined): PartnerClient {
  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<Answer<T>> => {
    const key = partnerKey();
    if (!key) throw new ServiceUnavailable("the booking service is not running");
    let res: Response;
    try {
      res = await fetch(`${serviceUrl()}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new ServiceUnavailable(`the booking service did not answer (${(error as Error).message})`);
    }
    if (res.status >= 500) throw new ServiceUnavailable(`the booking service answered ${res.status} to ${path}`);
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new ServiceUnavailable(`the booking service answered ${res.status} to ${path} without JSON`);
    }
    if (res.ok) return { ok: true, value: json as T };
    const e = json as Partial<{ error: string; message: string; field: string }>;
    return {
      ok: false,
      error: {
        status: res.status,
        code: e.error ?? "error",
        message: e.message ?? `the booking service answered ${res.status}`,
        ...(e.field ? { field: e.field } : {}),
      },
    };
  };
  const builder = (id: string) => `/v1/partner/builders/${encodeURIComponent(id)}`;
  return {
    createBuilder: (input) => call("POST", "/v1/partner/builders", input),
    getBuilder: (id) => call("GET", builder(id)),
    connectCalendly: (id, returnUrl) => call("POST", `${builder(id)}/calendly/connect`, { returnUrl }),
    addSessionType: (id, input) => call("POST", `${builder(id)}/session-types`, input),
    connectPayouts: (id, returnUrl) => call("POST", `${builder(id)}/payouts/connect`, { returnUrl }),
  };
}
