// A per-instance cache of values read from a provider, keyed within builders: entries live for a
// TTL, concurrent misses for one key share one read (coalescing), failures are not kept, and the
// least recently used entry goes first once the cache is full. Invalidating a builder drops its
// entries and bumps its generation: a read that started before the invalidation still answers
// the callers that were waiting for it, but no longer fills the cache with what it found.

export type Lookup = "hit" | "miss" | "shared";

export interface Cached<V> {
  value: V;
  /** When the read that produced it started (ms since the epoch). */
  fetchedAt: number;
}

export interface CoalescingCacheOptions {
  /** How long an entry is served (0: never; concurrent reads are still shared). */
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
  /** Called once per lookup with its outcome (metrics). */
  record?: (lookup: Lookup) => void;
}

interface Entry<V> extends Cached<V> {
  builderId: string;
}

interface Flight<V> {
  builderId: string;
  promise: Promise<Cached<V>>;
}

export class CoalescingCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inFlight = new Map<string, Flight<V>>();
  /** One number per builder ever invalidated in this instance. */
  private readonly generations = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: CoalescingCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The value for `key`: cached, or shared with a read under way, or read now with `load`.
   * `fresh` skips both and reads anew; the result replaces the cached one.
   */
  get(builderId: string, key: string, load: () => Promise<V>, options: { fresh?: boolean } = {}): Promise<Cached<V>> {
    const now = this.now();
    if (!options.fresh) {
      const hit = this.entries.get(key);
      if (hit && now - hit.fetchedAt < this.options.ttlMs) {
        // Most recently used last, so eviction takes the first.
        this.entries.delete(key);
        this.entries.set(key, hit);
        this.options.record?.("hit");
        return Promise.resolve(hit);
      }
      if (hit) this.entries.delete(key);
      const running = this.inFlight.get(key);
      if (running) {
        this.options.record?.("shared");
        return running.promise;
      }
    }
    this.options.record?.("miss");
    const generation = this.generationOf(builderId);
    const promise: Promise<Cached<V>> = Promise.resolve()
      .then(load)
      .then((value) => {
        const cached = { value, fetchedAt: now };
        if (this.generationOf(builderId) === generation) this.store(key, { ...cached, builderId });
        return cached;
      })
      .finally(() => {
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      });
    const flight: Flight<V> = { builderId, promise };
    this.inFlight.set(key, flight);
    return promise;
  }

  /** Drops the builder's entries; reads under way for them no longer fill the cache. */
  invalidateBuilder(builderId: string): void {
    this.generations.set(builderId, this.generationOf(builderId) + 1);
    for (const [key, entry] of this.entries) if (entry.builderId === builderId) this.entries.delete(key);
    // Later lookups read anew instead of joining a read that may predate the change.
    for (const [key, flight] of this.inFlight) if (flight.builderId === builderId) this.inFlight.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private generationOf(builderId: string): number {
    return this.generations.get(builderId) ?? 0;
  }

  private store(key: string, entry: Entry<V>): void {
    if (this.options.ttlMs <= 0) return;
    const current = this.entries.get(key);
    // A slower read that started earlier does not replace a newer one.
    if (current && current.fetchedAt > entry.fetchedAt) return;
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
