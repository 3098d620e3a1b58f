// The Scheduling API's own rate limit (POST /invitees), per Calendly user and billing tier, beside
// the API's general per-minute limit: trial 5 a day; paid plans below Enterprise 10 a minute, 50
// an hour and 100 a day; Enterprise 500 a minute. Windows slide: a call counts until it is a
// window's length old. A refused (429) call is not counted, so waiting out the reset always helps.
import type { Headers } from "./http.js";

export const SCHEDULING_TIERS = ["trial", "paid", "enterprise"] as const;
export type SchedulingTier = (typeof SCHEDULING_TIERS)[number];
export type SchedulingWindow = "minute" | "hour" | "day";

export const SCHEDULING_WINDOW_MS: Record<SchedulingWindow, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export const SCHEDULING_LIMITS: Record<SchedulingTier, Partial<Record<SchedulingWindow, number>>> = {
  trial: { day: 5 },
  paid: { minute: 10, hour: 50, day: 100 },
  enterprise: { minute: 500 },
};

export interface SchedulingWindowUsage {
  window: SchedulingWindow;
  limit: number;
  /** Calls counted in the window now. */
  used: number;
  remaining: number;
  /**
   * Seconds until the window's oldest counted call leaves it (a full window: until it has room
   * again); 0 when the window is empty.
   */
  resetSeconds: number;
}

export interface SchedulingBudget {
  tier: SchedulingTier;
  windows: SchedulingWindowUsage[];
}

const LONGEST_MS = SCHEDULING_WINDOW_MS.day;

export function isSchedulingTier(value: unknown): value is SchedulingTier {
  return typeof value === "string" && (SCHEDULING_TIERS as readonly string[]).includes(value);
}

export class SchedulingLimits {
  private readonly tiers = new Map<string, SchedulingTier>();
  /** Per user: when its counted calls came (ms), oldest first, at most a day back. */
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly defaultTier: SchedulingTier,
    private readonly now: () => number,
  ) {
    if (!isSchedulingTier(defaultTier)) throw new Error(`unknown Scheduling API tier ${String(defaultTier)}`);
  }

  tierOf(userUuid: string): SchedulingTier {
    return this.tiers.get(userUuid) ?? this.defaultTier;
  }

  setTier(userUuid: string, tier: SchedulingTier): void {
    if (!isSchedulingTier(tier)) throw new RangeError(`tier must be one of ${SCHEDULING_TIERS.join(", ")}`);
    this.tiers.set(userUuid, tier);
  }

  /** Counts one call when every window has room; otherwise refuses it. Returns the headers to send. */
  hit(userUuid: string): { limited: boolean; headers: Headers; usage: SchedulingWindowUsage } {
    const now = this.now();
    const before = this.usage(userUuid, now);
    const full = before.filter((w) => w.remaining === 0);
    if (full.length > 0) {
      // The window that stays full the longest is the one the caller has to wait for.
      const worst = full.reduce((a, b) => (b.resetSeconds > a.resetSeconds ? b : a));
      return { limited: true, headers: headersOf(worst), usage: worst };
    }
    this.recent(userUuid, now).push(now);
    const after = this.usage(userUuid, now);
    // The window closest to its limit (the shortest on a tie) is the one worth reporting.
    const tightest = after.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    return { limited: false, headers: headersOf(tightest), usage: tightest };
  }

  budget(userUuid: string): SchedulingBudget {
    return { tier: this.tierOf(userUuid), windows: this.usage(userUuid, this.now()) };
  }

  /**
   * Uses up what is left of one window (default: the tier's longest) with calls made now, as if
   * the user had booked that much already.
   */
  exhaust(userUuid: string, window?: SchedulingWindow): SchedulingBudget {
    const now = this.now();
    const windows = this.usage(userUuid, now);
    const target = window ? windows.find((w) => w.window === window) : windows[windows.length - 1];
    if (!target) {
      throw new RangeError(`the ${this.tierOf(userUuid)} tier has no per-${window} Scheduling API limit`);
    }
    const recent = this.recent(userUuid, now);
    for (let i = 0; i < target.remaining; i++) recent.push(now);
    return this.budget(userUuid);
  }

  /** Forgets every counted call of the user. */
  reset(userUuid: string): void {
    this.calls.delete(userUuid);
  }

  private recent(userUuid: string, now: number): number[] {
    const kept = (this.calls.get(userUuid) ?? []).filter((t) => t > now - LONGEST_MS);
    this.calls.set(userUuid, kept);
    return kept;
  }

  private usage(userUuid: string, now: number): SchedulingWindowUsage[] {
    const calls = this.recent(userUuid, now);
    const limits = SCHEDULING_LIMITS[this.tierOf(userUuid)];
    const out: SchedulingWindowUsage[] = [];
    for (const window of ["minute", "hour", "day"] as const) {
      const limit = limits[window];
      if (limit === undefined) continue;
      const ms = SCHEDULING_WINDOW_MS[window];
      const inWindow = calls.filter((t) => t > now - ms);
      const used = inWindow.length;
      // A full window has room again once `used - limit + 1` of its calls have aged out.
      const agingOut = inWindow[Math.max(0, used - limit)];
      const resetSeconds = agingOut === undefined ? 0 : Math.ceil((agingOut + ms - now) / 1000);
      out.push({ window, limit, used, remaining: Math.max(0, limit - used), resetSeconds });
    }
    return out;
  }
}

function headersOf(usage: SchedulingWindowUsage): Headers {
  return {
    "x-ratelimit-limit": usage.limit,
    "x-ratelimit-remaining": usage.remaining,
    "x-ratelimit-reset": usage.resetSeconds,
  };
}
