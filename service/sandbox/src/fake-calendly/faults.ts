// Fault injection for the fake Calendly: the next matching request(s) get an error status
// (429 with X-RateLimit-* headers, 5xx), a delay, or no answer at all (the connection closed).
// By default the fault takes the request's place; with `after` the request is handled first (a
// booking is made) and then its answer is delayed, replaced or dropped: the change happened but
// the caller never learns of it.

export interface FaultSpec {
  /** Tested against the request's pathname (e.g. "/api/scheduled_events/<uuid>"), not the query. */
  path: RegExp;
  /** Only this method (e.g. "POST"); default any. */
  method?: string;
  /** Answer with this status instead of handling the request. */
  status?: 429 | 500 | 502 | 503 | 504;
  /** For 429: the X-RateLimit-Reset value (seconds). Default 60, as Calendly typically sends. */
  resetSeconds?: number;
  /** Wait this long before answering (with `status`, or normally when there is none). */
  delayMs?: number;
  /** Close the connection without answering (after `delayMs`, if given). */
  drop?: boolean;
  /** Handle the request first, then apply the fault to its answer. Default false. */
  after?: boolean;
  /** How many matching requests this fault applies to. Default 1. */
  times?: number;
}

export interface ActiveFault {
  status?: 429 | 500 | 502 | 503 | 504;
  resetSeconds: number;
  delayMs: number;
  drop: boolean;
  after: boolean;
}

interface QueuedFault {
  spec: FaultSpec;
  remaining: number;
}

export class Faults {
  private readonly queue: QueuedFault[] = [];

  /** Queues a fault. Faults are matched in the order they were queued. */
  next(spec: FaultSpec): this {
    if (!(spec.path instanceof RegExp)) throw new TypeError("faults.next: path must be a RegExp");
    if (spec.status === undefined && spec.delayMs === undefined && !spec.drop) {
      throw new TypeError("faults.next: give a status, a delayMs or drop");
    }
    if (spec.drop && spec.status !== undefined) throw new TypeError("faults.next: drop sends no status");
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new TypeError("faults.next: times must be a positive integer");
    this.queue.push({ spec, remaining: times });
    return this;
  }

  /** Drops every queued fault. */
  clear(): void {
    this.queue.length = 0;
  }

  /** Faults still queued (sum of their remaining `times`). */
  get pending(): number {
    return this.queue.reduce((n, q) => n + q.remaining, 0);
  }

  /** Consumes one use of the first fault matching this request, if any. */
  take(method: string, pathname: string): ActiveFault | undefined {
    const index = this.queue.findIndex((q) => {
      if (q.spec.method && q.spec.method.toUpperCase() !== method.toUpperCase()) return false;
      q.spec.path.lastIndex = 0;
      return q.spec.path.test(pathname);
    });
    if (index < 0) return undefined;
    const queued = this.queue[index]!;
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.queue.splice(index, 1);
    const fault: ActiveFault = {
      resetSeconds: queued.spec.resetSeconds ?? 60,
      delayMs: queued.spec.delayMs ?? 0,
      drop: queued.spec.drop ?? false,
      after: queued.spec.after ?? false,
    };
    if (queued.spec.status !== undefined) fault.status = queued.spec.status;
    return fault;
  }
}
