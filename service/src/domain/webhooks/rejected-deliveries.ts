// Deliveries refused for their signature or body. Anyone can send them, so they are limited per
// client address, and their rows are sampled and pruned: every one is counted in the metrics,
// only some are stored, and storage stays bounded. Valid deliveries never pass through here.
import { pruneRejectedDeliveries } from "../../db/hot-paths.js";
import type { SignatureResult, WebhookProvider } from "../../generated/prisma/client.js";
import type { DomainContext } from "../context.js";
import { logRejectedDelivery } from "./ingest.js";

/**
 * Rejected-delivery rows kept per provider. The first rejection stored in each window prunes the
 * older ones, so a provider holds at most this many plus one window's sample per instance.
 */
export const REJECTED_ROWS_KEPT = 1000;

export type RejectionOutcome = "stored" | "counted" | "limited";

export interface RejectionLimits {
  /** Rejections a client address may cause per window before it is answered 429. */
  perClient: number;
  /** Rejected rows one instance stores per provider per window; the rest are only counted. */
  storedPerWindow: number;
  windowMs: number;
  /** Rejected rows kept per provider (default {@link REJECTED_ROWS_KEPT}). */
  rowsKept?: number;
}

/** Fixed-window counters, all reset at once when the window turns (so memory is bounded by one window). */
class WindowCounter {
  private counts = new Map<string, number>();
  private windowStart = 0;
  constructor(private readonly windowMs: number) {}

  /** Counts one more for `key` and returns the count in the current window. */
  hit(key: string, now = Date.now()): number {
    if (now - this.windowStart >= this.windowMs) {
      this.counts.clear();
      this.windowStart = now;
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count;
  }
}

export class RejectedDeliveries {
  private readonly byClient: WindowCounter;
  private readonly stored: WindowCounter;

  constructor(private readonly limits: RejectionLimits) {
    this.byClient = new WindowCounter(limits.windowMs);
    this.stored = new WindowCounter(limits.windowMs);
  }

  /**
   * Records one rejected delivery: `limited` when its client has sent too many (answer 429),
   * `stored` when it got a row, `counted` when only the metrics saw it.
   */
  async record(
    ctx: DomainContext,
    rejection: { provider: WebhookProvider; signature: SignatureResult; error: string; clientAddress: string },
  ): Promise<RejectionOutcome> {
    const provider = rejection.provider.toLowerCase();
    if (this.byClient.hit(rejection.clientAddress) > this.limits.perClient) {
      ctx.metrics.webhooks.inc({ provider, type: "unknown", result: "rejected_limited" });
      return "limited";
    }
    const storedInWindow = this.stored.hit(rejection.provider);
    if (storedInWindow > this.limits.storedPerWindow) {
      ctx.metrics.webhooks.inc({ provider, type: "unknown", result: "rejected_not_stored" });
      return "counted";
    }
    await logRejectedDelivery(ctx, rejection.provider, rejection.signature, rejection.error);
    if (storedInWindow === 1) {
      await pruneRejectedDeliveries(ctx.sql, rejection.provider, this.limits.rowsKept ?? REJECTED_ROWS_KEPT);
    }
    return "stored";
  }
}
