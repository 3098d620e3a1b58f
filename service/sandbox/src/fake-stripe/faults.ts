// Injectable API faults: a queue of rules, each matching requests by method and path and firing a
// number of times. A rule may delay the response (client timeouts), answer with an error status
// (500, 503, 429 …), answer 409 as if the same Idempotency-Key were still in flight, or drop the
// connection. Faults act before the endpoint runs, so nothing is saved for idempotent replay.

export interface FaultSpec {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Path to match: a RegExp tested against the path, or an exact path string (any when absent). */
  path?: RegExp | string;
  /** How many matching requests this rule affects (default 1). */
  times?: number;
  /** Wait this long before answering (or before applying `status`/running the endpoint). */
  delayMs?: number;
  /** Answer with this status and a Stripe-shaped error instead of running the endpoint. */
  status?: number;
  /** Custom error message for `status`. */
  message?: string;
  /** Answer 409 idempotency_key_in_use, as Stripe does while a request with the same key runs. */
  idempotencyConflict?: boolean;
  /** Destroy the socket without answering (the client sees ECONNRESET). */
  connectionReset?: boolean;
  /** Extra response headers, e.g. `{"Retry-After": "1"}` or `{"Stripe-Should-Retry": "true"}`. */
  headers?: Record<string, string>;
}

export interface FiredFault {
  delayMs?: number;
  status?: number;
  message?: string;
  idempotencyConflict?: boolean;
  connectionReset?: boolean;
  headers?: Record<string, string>;
}

interface Rule {
  spec: FaultSpec;
  remaining: number;
}

export class FaultQueue {
  #rules: Rule[] = [];

  /** Queues a fault for the next matching request(s). */
  next(spec: FaultSpec): this {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error("fault times must be a positive integer");
    if (spec.status !== undefined && (spec.status < 400 || spec.status > 599)) {
      throw new Error("fault status must be an HTTP error status (400–599)");
    }
    this.#rules.push({ spec, remaining: times });
    return this;
  }

  /** Removes every queued fault. */
  clear(): void {
    this.#rules = [];
  }

  /** Number of queued rules that can still fire. */
  get pending(): number {
    return this.#rules.length;
  }

  /** Consumes one firing of the first rule matching this request, if any. */
  take(method: string, path: string): FiredFault | undefined {
    const index = this.#rules.findIndex((r) => matches(r.spec, method, path));
    if (index < 0) return undefined;
    const rule = this.#rules[index]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rules.splice(index, 1);
    const { delayMs, status, message, idempotencyConflict, connectionReset, headers } = rule.spec;
    return { delayMs, status, message, idempotencyConflict, connectionReset, headers };
  }
}

function matches(spec: FaultSpec, method: string, path: string): boolean {
  if (spec.method && spec.method.toUpperCase() !== method) return false;
  if (spec.path === undefined) return true;
  if (typeof spec.path === "string") return spec.path === path;
  spec.path.lastIndex = 0;
  return spec.path.test(path);
}
