// Available times for a builder's session type: Calendly's, read per canonical chunk (windows.ts)
// through the builder's own client, cached and shared (cache.ts), without the slots our own
// visitors hold (held-slots.ts).
import type { AvailableTimes } from "../../contract/availability.js";
import type { Builder, SessionType } from "../../generated/prisma/client.js";
import { uuidFromUri } from "../../providers/calendly.js";
import { calendlyFor } from "../calendly-connections/client.js";
import type { DomainContext } from "../context.js";
import { calendlyCall } from "./calendly-failure.js";
import type { Cached } from "./coalescing-cache.js";
import { eventTypeFacts, eventTypeUriFor } from "./event-type.js";
import { heldIntervals, overlapsHeld } from "./held-slots.js";
import { type Chunk, chunkAt, chunkIndexOf, chunksFor, HORIZON_MS, START_MARGIN_MS } from "./windows.js";

const MINUTE_MS = 60_000;

/** One chunk of Calendly's times: from the cache, a read under way, or Calendly now. */
function readChunk(
  ctx: DomainContext,
  builder: Builder,
  eventTypeUri: string,
  chunk: Chunk,
  options: { fresh?: boolean } = {},
): Promise<Cached<number[]>> {
  const key = `${builder.id}|${uuidFromUri(eventTypeUri)}|${chunk.key}`;
  ctx.availability.noteHost(builder, eventTypeUri);
  return ctx.availability.times.get(
    builder.id,
    key,
    async () => {
      const calendly = calendlyFor(ctx, builder);
      const times = await calendlyCall(ctx, builder.name, "list_available_times", () =>
        calendly.listAvailableTimes({
          eventType: eventTypeUri,
          startTime: chunk.start.toISOString(),
          endTime: chunk.end.toISOString(),
        }),
      );
      const starts = new Set<number>();
      for (const t of times) {
        const at = Date.parse(t.start_time);
        if (t.status === "available" && Number.isFinite(at)) starts.add(at);
      }
      return [...starts].sort((a, b) => a - b);
    },
    options,
  );
}

/** The index of the first value ≥ `at` in an ascending array (its length when there is none). */
function firstAtOrAfter(sorted: number[], at: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The bookable times of `sessionType` in [from, to) (from not before now, at most 31 days: see
 * windows.ts `requestedWindow`), without those our other visitors hold or our database has booked.
 */
export async function availableTimes(
  ctx: DomainContext,
  builder: Builder,
  sessionType: SessionType,
  window: { from: Date; to: Date },
): Promise<AvailableTimes> {
  const now = ctx.availability.now();
  const from = window.from.getTime();
  const to = window.to.getTime();
  const uri = await eventTypeUriFor(ctx, builder, sessionType);
  const chunks = chunksFor(from, to, now);
  // Calendly's answers (two calls at most, usually none) and our holds, side by side.
  const [facts, reads, held] = await Promise.all([
    eventTypeFacts(ctx, builder, sessionType, uri),
    Promise.all(chunks.map((chunk) => readChunk(ctx, builder, uri, chunk))),
    heldIntervals(ctx, builder.id, from, to),
  ]);
  const durationMs = facts.durationMinutes * MINUTE_MS;
  // Each chunk's starts are sorted and the chunks follow one another: find the window's first
  // start by bisection, walk to its end, and skip a start a previous chunk already gave.
  const starts: number[] = [];
  for (const read of reads) {
    const sorted = read.value;
    for (let i = firstAtOrAfter(sorted, from); i < sorted.length && sorted[i]! < to; i++) {
      const at = sorted[i]!;
      if (at > (starts.at(-1) ?? -1) && !overlapsHeld(at, at + durationMs, held)) starts.push(at);
    }
  }
  const refreshedAt = reads.length > 0 ? Math.min(...reads.map((r) => r.fetchedAt)) : now;
  return {
    builderId: builder.id,
    sessionTypeId: sessionType.id,
    durationMinutes: facts.durationMinutes,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    times: starts.map((at) => ({
      startTime: new Date(at).toISOString(),
      endTime: new Date(at + durationMs).toISOString(),
    })),
    questions: facts.questions,
    refreshedAt: new Date(refreshedAt).toISOString(),
  };
}

/**
 * Whether Calendly offers `startTime` for the session type right now: a fresh read (never the
 * cache) of the chunk holding it, which then replaces the cached chunk. Only Calendly is asked;
 * our own visitors' holds are the reservation's unique index's to refuse. False for a time
 * Calendly cannot be asked about (within a minute from now, or beyond the horizon).
 * Throws 409 pay_first_unavailable (no event type), 429 calendly_rate_limited, 502 calendly_unavailable.
 */
export async function isSlotOpen(
  ctx: DomainContext,
  builder: Builder,
  sessionType: SessionType,
  startTime: Date,
): Promise<boolean> {
  const now = ctx.availability.now();
  const at = startTime.getTime();
  if (!Number.isFinite(at) || at <= now + START_MARGIN_MS || at >= now + HORIZON_MS) return false;
  const uri = await eventTypeUriFor(ctx, builder, sessionType);
  const chunk = chunkAt(chunkIndexOf(at, now), now);
  const { value } = await readChunk(ctx, builder, uri, chunk, { fresh: true });
  return value.includes(at);
}
