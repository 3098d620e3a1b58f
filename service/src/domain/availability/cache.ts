// The per-instance state behind available times: Calendly's times per builder, event type and
// chunk; each event type's duration and questions; the resolution of a builder's event type.
// Each instance keeps its own. A Calendly webhook reaches one instance and clears it there; with
// REDIS_URL set, the invalidation is published to the other instances too (plugins/availability.ts),
// and without it they may serve what they read for up to the TTL (the reservation re-checks the
// slot with Calendly before taking money, whatever the cache holds).
import type { Builder } from "../../generated/prisma/client.js";
import { uuidFromUri } from "../../providers/calendly.js";
import { CoalescingCache, type Lookup } from "./coalescing-cache.js";
import type { EventTypeFacts } from "./event-type.js";

/** An invalidation as the other instances are told of it. */
export type Invalidation =
  | { builderId: string }
  | { event: { event_type: string; event_memberships?: Array<{ user: string }> | null } };

export interface AvailabilityCacheOptions {
  ttlSeconds: number;
  /** Entries per cache (times; event types); the least recently used go first. Default 5000. */
  maxEntries?: number;
  now?: () => number;
  record?: (cache: "times" | "event_type", lookup: Lookup) => void;
}

/** What identifies a builder's Calendly in a webhook: their user, and the event types read for them. */
interface Host {
  user: string | null;
  eventTypes: Set<string>;
}

export class AvailabilityCache {
  /** Bookable start times (ms, ascending) per builder, event type and chunk. */
  readonly times: CoalescingCache<number[]>;
  readonly eventTypes: CoalescingCache<EventTypeFacts>;
  /** A builder's event type as resolved from their event URL (null: none matches), shared and kept. */
  readonly resolutions: CoalescingCache<string | null>;
  readonly ttlSeconds: number;
  readonly now: () => number;
  private readonly hosts = new Map<string, Host>();
  private readonly maxEntries: number;
  /** Tells the other instances of an invalidation made here (set when they can be reached). */
  publish?: (invalidation: Invalidation) => void;

  constructor(options: AvailabilityCacheOptions) {
    this.ttlSeconds = options.ttlSeconds;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 5000;
    const common = { ttlMs: options.ttlSeconds * 1000, maxEntries: this.maxEntries, now: this.now };
    this.times = new CoalescingCache({ ...common, record: (lookup) => options.record?.("times", lookup) });
    this.eventTypes = new CoalescingCache({ ...common, record: (lookup) => options.record?.("event_type", lookup) });
    this.resolutions = new CoalescingCache(common);
  }

  /** Remembers whose Calendly a builder's entries come from, so a webhook can find them. */
  noteHost(builder: Pick<Builder, "id" | "calendlyUserUri">, eventTypeUri: string): void {
    const user = builder.calendlyUserUri ? uuidFromUri(builder.calendlyUserUri) : null;
    const known = this.hosts.get(builder.id);
    const eventType = uuidFromUri(eventTypeUri);
    if (known && known.user === user && known.eventTypes.has(eventType)) return;
    this.hosts.delete(builder.id);
    this.hosts.set(builder.id, { user, eventTypes: new Set([...(known?.eventTypes ?? []), eventType]) });
    if (this.hosts.size > this.maxEntries) this.hosts.delete(this.hosts.keys().next().value!);
  }

  /**
   * Drops everything read for the builder; reads under way no longer fill the cache. `fromPeer`:
   * another instance's invalidation, not published again.
   */
  invalidateBuilder(builderId: string, fromPeer = false): void {
    this.times.invalidateBuilder(builderId);
    this.eventTypes.invalidateBuilder(builderId);
    if (!fromPeer) this.publish?.({ builderId });
  }

  /**
   * A booking or cancellation in Calendly (its webhook): the times of every builder whose user
   * hosts the event, or whose event type it is, are read afresh. Returns the builders' ids.
   */
  invalidateForEvent(
    event: { event_type: string; event_memberships?: Array<{ user: string }> | null } | undefined,
    fromPeer = false,
  ): string[] {
    if (typeof event?.event_type !== "string") return [];
    // Each instance knows whose times it holds: the others are told of the event itself.
    if (!fromPeer)
      this.publish?.({ event: { event_type: event.event_type, event_memberships: event.event_memberships } });
    const eventType = uuidFromUri(event.event_type);
    const users = new Set(
      (Array.isArray(event.event_memberships) ? event.event_memberships : [])
        .filter((m) => typeof m?.user === "string")
        .map((m) => uuidFromUri(m.user)),
    );
    const hit: string[] = [];
    for (const [builderId, host] of this.hosts) {
      if (host.eventTypes.has(eventType) || (host.user !== null && users.has(host.user))) hit.push(builderId);
    }
    for (const builderId of hit) this.invalidateBuilder(builderId, true);
    return hit;
  }
}
