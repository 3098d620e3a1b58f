// Calendly answers GET /event_type_available_times for a start in the future and a span of at
// most 31 days. Visitors' windows are mapped onto canonical windows ("chunks") so that different
// windows share Calendly calls and cache entries: chunk k covers the UTC days
// [today + 31k, today + 31(k+1)), chunk 0 starting a minute from now instead (Calendly refuses a
// start in the past). A window of at most 31 days touches at most two chunks; the widget's
// default week from now touches chunk 0 only. Chunks are named after the UTC date they count
// from, so each is read afresh once a day at the latest, whatever the cache's TTL.
import { unprocessable } from "../../lib/errors.js";

export const DAY_MS = 86_400_000;
/** Calendly's longest span per request, and the length of a chunk. */
export const MAX_SPAN_MS = 31 * DAY_MS;
/** How far ahead of now chunk 0 starts, so Calendly still finds its start in the future. */
export const START_MARGIN_MS = 60_000;
/** How far ahead times may be asked for: it bounds the chunks (and Calendly calls) per builder. */
export const HORIZON_MS = 366 * DAY_MS;

export interface Chunk {
  /** Stable for a UTC date: "2026-11-26+0". */
  key: string;
  start: Date;
  end: Date;
}

function today(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS;
}

/** Chunk `index` as seen at `nowMs`. */
export function chunkAt(index: number, nowMs: number): Chunk {
  const day = today(nowMs);
  const start = index === 0 ? nowMs + START_MARGIN_MS : day + index * MAX_SPAN_MS;
  return {
    key: `${new Date(day).toISOString().slice(0, 10)}+${index}`,
    start: new Date(start),
    end: new Date(day + (index + 1) * MAX_SPAN_MS),
  };
}

/** The chunk whose days hold `atMs`. */
export function chunkIndexOf(atMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((atMs - today(nowMs)) / MAX_SPAN_MS));
}

/**
 * The chunks to read for the window [fromMs, toMs) (from not before now): one or two for a
 * window of at most 31 days, none when it ends before chunk 0 starts.
 */
export function chunksFor(fromMs: number, toMs: number, nowMs: number): Chunk[] {
  if (toMs <= nowMs + START_MARGIN_MS || toMs <= fromMs) return [];
  const first = chunkIndexOf(fromMs, nowMs);
  const last = chunkIndexOf(toMs - 1, nowMs);
  const chunks: Chunk[] = [];
  for (let index = first; index <= last; index++) chunks.push(chunkAt(index, nowMs));
  return chunks;
}

const DEFAULT_SPAN_MS = 7 * DAY_MS;

/**
 * The window a request asks for: `from` defaults to now and is clamped to it, `to` defaults to a
 * week after `from`; it must end after `from`, at most 31 days after it, and within the horizon.
 */
export function requestedWindow(query: { from?: string; to?: string }, nowMs: number): { from: Date; to: Date } {
  const from = Math.max(nowMs, query.from === undefined ? nowMs : Date.parse(query.from));
  const to = query.to === undefined ? from + DEFAULT_SPAN_MS : Date.parse(query.to);
  if (to <= from) {
    throw unprocessable(
      "time_window_invalid",
      to <= nowMs ? "to: must be in the future" : "to: must be after from",
      "to",
    );
  }
  if (to - from > MAX_SPAN_MS) {
    throw unprocessable("time_window_invalid", "to: must be at most 31 days after from", "to");
  }
  if (to > nowMs + HORIZON_MS) {
    throw unprocessable("time_window_invalid", "to: must be at most 366 days from now", "to");
  }
  return { from: new Date(from), to: new Date(to) };
}
