// A webhook storm against a cluster: bookings made through the API, real provider events for
// them (the fakes raise them: payments, expiries, refunds, cancellations), then every event
// delivered signed, with duplicates, out of order and many at once, across the instances. The
// checks compare every booking's end state, and what the providers were asked to do, with what
// its story demands.
import type Stripe from "stripe";
import { liamCalendly } from "../../src/db/seed.js";
import { createStripeClient } from "../../src/providers/stripe.js";
import {
  type Cluster,
  clusterSecrets,
  freeSlot,
  type HttpResult,
  INVITEE_SURNAME,
  postWebhook,
  request,
  sleep,
} from "./cluster.js";

export type Scenario =
  | "paid"
  | "abandoned"
  | "cancelled_after_paying"
  | "refunded_in_dashboard"
  | "cancelled_before_paying";

/** Share of bookings per story. */
export const defaultMix: Record<Scenario, number> = {
  paid: 0.4,
  abandoned: 0.25,
  cancelled_after_paying: 0.15,
  refunded_in_dashboard: 0.1,
  cancelled_before_paying: 0.1,
};

export interface StormBooking {
  index: number;
  scenario: Scenario;
  bookingId: string;
  eventUri: string;
  inviteeUri: string;
  sessionId: string;
  paymentIntent: string | null;
}

export interface Delivery {
  provider: "stripe" | "calendly";
  /** The id the service deduplicates on. */
  eventId: string;
  type: string;
  body: string;
  booking: number;
}

/** A seeded random generator (mulberry32), so a failing storm can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await fn(item);
      }
    }),
  );
}

function scenarioFor(index: number, count: number, mix: Record<Scenario, number>): Scenario {
  // Deterministic spread: the first 40 % paid, and so on, interleaved by index.
  const position = ((index * 7919) % count) / count;
  let acc = 0;
  for (const [scenario, share] of Object.entries(mix) as [Scenario, number][]) {
    acc += share;
    if (position < acc) return scenario;
  }
  return "paid";
}

async function expectOk(res: Promise<HttpResult>, what: string): Promise<HttpResult> {
  const r = await res;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.body}`);
  return r;
}

export interface Prepared {
  bookings: StormBooking[];
  /** Each booking's events in the order they happened. */
  events: Delivery[][];
  /** Stripe events and Calendly deliveries that existed when the storm started. */
  stripeEventsBefore: Set<string>;
  calendlyDeliveriesBefore: number;
  prepareMs: number;
}

/**
 * Makes `count` bookings through the API (attempt → scheduled in Calendly → reported → Checkout),
 * then lets each one's story happen at the providers with webhooks switched off, so the events
 * exist but nobody has delivered them yet.
 */
export async function prepareStorm(
  cluster: Cluster,
  count: number,
  { concurrency = 12, mix = defaultMix } = {},
): Promise<Prepared> {
  const started = Date.now();
  cluster.stripe.setWebhookUrl(undefined);
  cluster.calendly.setWebhookUrl(undefined);
  const stripe = createStripeClient({ secretKey: clusterSecrets.stripeSecretKey, apiBase: cluster.stripe.url });
  const n = cluster.instances.length;
  const bookings: StormBooking[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (index) => {
      const scenario = scenarioFor(index, count, mix);
      const a = cluster.instances[index % n]!;
      const b = cluster.instances[(index + 1) % n]!;
      const attempt = await expectOk(
        request(a.url, { path: "/v1/booking-attempts", headers: cluster.siteHeaders, body: { builder: "liam" } }),
        "attempt",
      );
      const { attemptId } = attempt.json<{ attemptId: string }>();
      const slot = await cluster.calendly.schedule({
        eventTypeUuid: liamCalendly.eventTypeUuid,
        startTime: freeSlot(),
        name: `Vesper ${INVITEE_SURNAME}${index}`,
        email: `storm.guest${index}@guests.example`,
        utmContent: attemptId,
      });
      const reported = await expectOk(
        request(b.url, { path: "/v1/bookings", headers: cluster.siteHeaders, body: { attemptId, ...slot } }),
        "report",
      );
      const created = reported.json<{ bookingId: string; checkoutUrl: string }>();
      const sessionId = created.checkoutUrl.split("/").pop()!;
      let paymentIntent: string | null = null;
      const pay = async () => {
        const paid = await cluster.stripe.pay(sessionId, { waitForDelivery: false });
        paymentIntent = (paid.session as unknown as Stripe.Checkout.Session).payment_intent as string;
      };
      switch (scenario) {
        case "paid":
          await pay();
          break;
        case "abandoned":
          await cluster.stripe.expire(sessionId);
          break;
        case "cancelled_after_paying":
          await pay();
          await cluster.calendly.cancel(slot.eventUri, { reason: "Something came up" });
          break;
        case "refunded_in_dashboard":
          await pay();
          // Two partial refunds from the dashboard: charge.refunded carries the running total.
          await stripe.refunds.create({ payment_intent: paymentIntent!, amount: 5000 });
          await stripe.refunds.create({ payment_intent: paymentIntent!, amount: 10000 });
          break;
        case "cancelled_before_paying":
          await cluster.calendly.cancel(slot.eventUri);
          break;
      }
      bookings.push({
        index,
        scenario,
        bookingId: created.bookingId,
        eventUri: slot.eventUri,
        inviteeUri: slot.inviteeUri,
        sessionId,
        paymentIntent,
      });
    },
  );
  bookings.sort((x, y) => x.index - y.index);
  const stripeEvents = cluster.stripe.events;
  const events = collectEvents(cluster, bookings, stripeEvents, 0);
  return {
    bookings,
    events,
    stripeEventsBefore: new Set(stripeEvents.map((e) => e.id)),
    calendlyDeliveriesBefore: cluster.calendly.deliveries.length,
    prepareMs: Date.now() - started,
  };
}

const HANDLED = new Set([
  "checkout.session.completed",
  "checkout.session.expired",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "charge.refunded",
]);

/** The Stripe and Calendly events of each booking, oldest first. */
function collectEvents(
  cluster: Cluster,
  bookings: StormBooking[],
  stripeEvents: Stripe.Event[],
  calendlyFrom: number,
  skipStripe: Set<string> = new Set(),
): Delivery[][] {
  const bySession = new Map<string, number>();
  const byIntent = new Map<string, number>();
  const byInvitee = new Map<string, number>();
  for (const [i, b] of bookings.entries()) {
    bySession.set(b.sessionId, i);
    if (b.paymentIntent) byIntent.set(b.paymentIntent, i);
    byInvitee.set(b.inviteeUri, i);
  }
  const out: Delivery[][] = bookings.map(() => []);
  for (const e of stripeEvents) {
    if (!HANDLED.has(e.type) || skipStripe.has(e.id)) continue;
    const object = e.data.object as { id?: string; payment_intent?: string | null };
    const i = e.type === "charge.refunded" ? byIntent.get(object.payment_intent ?? "") : bySession.get(object.id ?? "");
    if (i === undefined) continue;
    out[i]!.push({ provider: "stripe", eventId: e.id, type: e.type, body: JSON.stringify(e), booking: i });
  }
  const deliveries = cluster.calendly.deliveries;
  for (let d = calendlyFrom; d < deliveries.length; d++) {
    const delivery = deliveries[d]!;
    const i = byInvitee.get(delivery.payload.payload.uri);
    if (i === undefined) continue;
    out[i]!.push({
      provider: "calendly",
      eventId: `${delivery.event}:${delivery.payload.payload.uri}`,
      type: delivery.event,
      body: delivery.body,
      booking: i,
    });
  }
  // Stripe and Calendly events of one booking interleave by when they happened.
  for (const list of out) list.sort((x, y) => createdAt(x) - createdAt(y));
  return out;
}

function createdAt(d: Delivery): number {
  const body = JSON.parse(d.body) as { created?: number; created_at?: string };
  return d.provider === "stripe" ? (body.created ?? 0) * 1000 : Date.parse(body.created_at ?? "");
}

export interface Scheduled {
  delivery: Delivery;
  instance: number;
  duplicate: boolean;
  reordered: boolean;
}

/**
 * Orders the deliveries as a provider under stress would send them: each booking's events
 * spread over the run in their own order, except for enough bookings, picked at random, whose
 * order is reversed to put the `reordered` share of deliveries ahead of an event that happened
 * before them; a `duplicates` share is delivered twice, half of those at once (concurrent
 * duplicates) and half later. Each delivery goes to a random instance.
 */
export function schedule(
  events: Delivery[][],
  instances: number,
  { duplicates = 0.3, reordered = 0.1, seed = 1 } = {},
): Scheduled[] {
  const random = rng(seed);
  const total = events.reduce((n, list) => n + list.length, 0);
  const reverse = new Set<number>();
  let outOfOrder = 0;
  const candidates = events.map((_, i) => i).filter((i) => events[i]!.length > 1);
  for (let k = candidates.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [candidates[k], candidates[j]] = [candidates[j]!, candidates[k]!];
  }
  for (const i of candidates) {
    if (outOfOrder >= reordered * total) break;
    reverse.add(i);
    outOfOrder += events[i]!.length - 1;
  }
  const timed: { t: number; s: Scheduled }[] = [];
  for (const [i, list] of events.entries()) {
    if (list.length === 0) continue;
    const reversed = reverse.has(i);
    const order = reversed ? [...list].reverse() : list;
    const times = order.map(() => random()).sort((a, b) => a - b);
    order.forEach((delivery, k) => {
      const t = times[k]!;
      const pick = () => Math.floor(random() * instances);
      // Reversed, every event but the (logically) first arrives before one that preceded it.
      const early = reversed && k < order.length - 1;
      timed.push({ t, s: { delivery, instance: pick(), duplicate: false, reordered: early } });
      if (random() < duplicates) {
        const later = random() < 0.5 ? t + 1e-9 : t + random() * (1 - t);
        timed.push({ t: later, s: { delivery, instance: pick(), duplicate: true, reordered: early } });
      }
    });
  }
  return timed.sort((a, b) => a.t - b.t).map((x) => x.s);
}

export interface StormRun {
  /** Distinct deliveries scheduled (duplicates included). */
  scheduled: number;
  /** HTTP deliveries sent, retries included. */
  sent: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
  maxInFlight: number;
  perInstance: number[];
  /** Deliveries that never got a 2xx. */
  undelivered: { delivery: Delivery; last: string }[];
  wallMs: number;
}

/**
 * Sends the scheduled deliveries with `concurrency` in flight. Like the providers, an answer
 * other than 2xx is retried (a fresh signature each time, to whichever instance), with backoff.
 */
export async function deliver(
  cluster: Cluster,
  plan: Scheduled[],
  { concurrency = 50, maxAttempts = 12, seed = 2 } = {},
): Promise<StormRun> {
  const random = rng(seed);
  const run: StormRun = {
    scheduled: plan.length,
    sent: 0,
    statuses: {},
    latenciesMs: [],
    maxInFlight: 0,
    perInstance: cluster.instances.map(() => 0),
    undelivered: [],
    wallMs: 0,
  };
  let inFlight = 0;
  const started = performance.now();
  await pool(plan, concurrency, async (item) => {
    let instance = item.instance;
    let last = "";
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const target = cluster.instances[instance]!;
      inFlight++;
      run.maxInFlight = Math.max(run.maxInFlight, inFlight);
      run.sent++;
      run.perInstance[instance]!++;
      let status: number;
      try {
        const res = await postWebhook(target, item.delivery.provider, item.delivery.body);
        run.latenciesMs.push(res.ms);
        status = res.status;
        last = `${res.status} ${res.body.slice(0, 200)}`;
      } catch (error) {
        status = 0;
        last = String(error);
      } finally {
        inFlight--;
      }
      run.statuses[status] = (run.statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) return;
      await sleep(Math.min(2000, 25 * 2 ** attempt) * (0.5 + random()));
      instance = Math.floor(random() * cluster.instances.length);
    }
    run.undelivered.push({ delivery: item.delivery, last });
  });
  run.wallMs = performance.now() - started;
  return run;
}

/** The events the storm itself made the providers raise (refunds, expiries, cancellations). */
export function followUpEvents(cluster: Cluster, prepared: Prepared): Delivery[][] {
  return collectEvents(
    cluster,
    prepared.bookings,
    cluster.stripe.events,
    prepared.calendlyDeliveriesBefore,
    prepared.stripeEventsBefore,
  );
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface StormCheck {
  problems: string[];
  counts: {
    bookings: number;
    byScenario: Record<string, number>;
    byStatus: Record<string, number>;
    confirmations: number;
    doubleConfirmations: number;
    serviceRefunds: number;
    doubleRefunds: number;
    apiCancellations: number;
    doubleCancellations: number;
    webhookDeliveryRows: number;
    webhookEvents: number;
    sideEffectsPending: number;
  };
}

const expected: Record<Scenario, { status: string; payment: string; refunded: number }> = {
  paid: { status: "CONFIRMED", payment: "PAID", refunded: 0 },
  abandoned: { status: "EXPIRED", payment: "EXPIRED", refunded: 0 },
  cancelled_after_paying: { status: "REFUNDED", payment: "REFUNDED", refunded: 15000 },
  // Paid back in full from the Dashboard: the session will not take place.
  refunded_in_dashboard: { status: "REFUNDED", payment: "REFUNDED", refunded: 15000 },
  cancelled_before_paying: { status: "CANCELLED", payment: "EXPIRED", refunded: 0 },
};

/** Compares every booking, the database and the fakes' logs with what the stories demand. */
/**
 * `sent` counts every HTTP delivery; `answered` those that got an answer. Every answered one must
 * be in the webhook log; one cut off by a killed process may or may not be.
 */
export async function checkStorm(
  cluster: Cluster,
  prepared: Prepared,
  sent: number,
  answered = sent,
): Promise<StormCheck> {
  const prisma = cluster.db.prisma;
  const problems: string[] = [];
  const rows = await prisma.booking.findMany({
    where: { id: { in: prepared.bookings.map((b) => b.bookingId) } },
    include: { payments: { include: { refunds: true } }, history: true },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const refundsByIntent = new Map<string, number>();
  for (const r of cluster.stripe.refunds) {
    const pi = typeof r.payment_intent === "string" ? r.payment_intent : (r.payment_intent?.id ?? "");
    refundsByIntent.set(pi, (refundsByIntent.get(pi) ?? 0) + 1);
  }
  const apiCancels = new Map<string, number>();
  for (const c of cluster.calendly.cancellations) {
    if (c.source === "api") apiCancels.set(c.eventUri, (apiCancels.get(c.eventUri) ?? 0) + 1);
  }
  const expireCalls = new Map<string, number>();
  for (const r of cluster.stripe.requests) {
    const m = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(r.path);
    if (m && r.method === "POST" && r.status === 200) expireCalls.set(m[1]!, (expireCalls.get(m[1]!) ?? 0) + 1);
  }
  const counts: StormCheck["counts"] = {
    bookings: prepared.bookings.length,
    byScenario: {},
    byStatus: {},
    confirmations: 0,
    doubleConfirmations: 0,
    serviceRefunds: 0,
    doubleRefunds: 0,
    apiCancellations: 0,
    doubleCancellations: 0,
    webhookDeliveryRows: 0,
    webhookEvents: 0,
    sideEffectsPending: 0,
  };
  for (const b of prepared.bookings) {
    counts.byScenario[b.scenario] = (counts.byScenario[b.scenario] ?? 0) + 1;
    const row = byId.get(b.bookingId);
    const say = (what: string) => problems.push(`booking #${b.index} (${b.scenario}, ${b.bookingId}): ${what}`);
    if (!row) {
      say("missing");
      continue;
    }
    counts.byStatus[row.status] = (counts.byStatus[row.status] ?? 0) + 1;
    const want = expected[b.scenario];
    if (row.status !== want.status) say(`status ${row.status}, expected ${want.status}`);
    const payment = row.payments[0];
    if (row.payments.length !== 1 || !payment) say(`${row.payments.length} payments`);
    else {
      if (payment.status !== want.payment) say(`payment ${payment.status}, expected ${want.payment}`);
      if (payment.amountRefunded !== want.refunded)
        say(`refunded ${payment.amountRefunded}, expected ${want.refunded}`);
    }
    const confirmations = row.history.filter((h) => h.to === "CONFIRMED").length;
    counts.confirmations += confirmations;
    if (confirmations > 1) {
      counts.doubleConfirmations++;
      say(`${confirmations} confirmations`);
    }
    if ((b.scenario === "paid" || b.scenario === "refunded_in_dashboard") && confirmations !== 1) {
      say(`${confirmations} confirmations, expected 1`);
    }
    for (const h of ["PENDING_PAYMENT", "EXPIRED", "CANCELLED", "REFUNDED", "FAILED"]) {
      const n = row.history.filter((x) => x.to === h).length;
      if (n > 1) say(`${n} transitions to ${h}`);
    }
    // Refunds the service asked Stripe for (the dashboard's two are the harness's own).
    const atStripe = b.paymentIntent ? (refundsByIntent.get(b.paymentIntent) ?? 0) : 0;
    const byService = b.scenario === "refunded_in_dashboard" ? atStripe - 2 : atStripe;
    counts.serviceRefunds += byService;
    const wantRefunds = b.scenario === "cancelled_after_paying" ? 1 : 0;
    if (byService > 1) counts.doubleRefunds++;
    if (byService !== wantRefunds) say(`${byService} refunds at Stripe by the service, expected ${wantRefunds}`);
    // The dashboard's two refunds are recorded too, read from Stripe.
    const wantRows = wantRefunds + (b.scenario === "refunded_in_dashboard" ? 2 : 0);
    const storedRefunds = payment?.refunds.length ?? 0;
    if (storedRefunds !== wantRows) say(`${storedRefunds} refund rows, expected ${wantRows}`);
    const cancels = apiCancels.get(b.eventUri) ?? 0;
    counts.apiCancellations += cancels;
    if (cancels > 1) counts.doubleCancellations++;
    const wantCancels = b.scenario === "abandoned" || b.scenario === "refunded_in_dashboard" ? 1 : 0;
    if (cancels !== wantCancels) say(`${cancels} Calendly cancellations by the service, expected ${wantCancels}`);
    const expires = expireCalls.get(b.sessionId) ?? 0;
    if (expires > 1) say(`Checkout Session expired ${expires} times`);
    if (b.scenario === "cancelled_before_paying" && cluster.stripe.getSession(b.sessionId)?.status !== "expired") {
      say("Checkout Session still open after the invitee cancelled");
    }
  }
  counts.webhookDeliveryRows = await prisma.webhookDelivery.count();
  counts.webhookEvents = await prisma.webhookEvent.count();
  if (counts.webhookDeliveryRows < answered || counts.webhookDeliveryRows > sent) {
    problems.push(
      `${counts.webhookDeliveryRows} WebhookDelivery rows for ${sent} deliveries sent (${answered} answered)`,
    );
  }
  const unfinished = await prisma.webhookEvent.groupBy({
    by: ["status"],
    where: { status: { notIn: ["PROCESSED", "IGNORED"] } },
    _count: true,
  });
  for (const u of unfinished) problems.push(`${u._count} webhook events left ${u.status}`);
  counts.sideEffectsPending = await prisma.sideEffect.count({ where: { status: { not: "DONE" } } });
  if (counts.sideEffectsPending > 0) problems.push(`${counts.sideEffectsPending} side effects not done`);
  return { problems, counts };
}

// ---- the whole storm -----------------------------------------------------------------------

export interface StormOptions {
  bookings: number;
  concurrency?: number;
  /** Attempts per delivery before giving up (the providers retry for hours; default 12). */
  maxAttempts?: number;
  /** Runs alongside the first round of deliveries, e.g. killing and restarting an instance. */
  chaos?: (cluster: Cluster) => Promise<void>;
  duplicates?: number;
  reordered?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface StormReport {
  prepared: Prepared;
  phases: StormRun[];
  check: StormCheck;
  deliveries: number;
  distinctEvents: number;
  duplicatesScheduled: number;
  /** Distinct first-round deliveries (the follow-ups, one per booking at most, have no order to break). */
  primaryDeliveries: number;
  reorderedScheduled: number;
  sent: number;
  maxInFlight: number;
  perInstance: number[];
  wallMs: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  undelivered: number;
}

export async function runStorm(cluster: Cluster, options: StormOptions): Promise<StormReport> {
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 1;
  const prepared = await prepareStorm(cluster, options.bookings);
  log(`prepared ${prepared.bookings.length} bookings in ${prepared.prepareMs} ms`);
  const n = cluster.instances.length;
  const knobs = { duplicates: options.duplicates ?? 0.3, reordered: options.reordered ?? 0.1 };
  const first = schedule(prepared.events, n, { ...knobs, seed });
  const maxAttempts = options.maxAttempts ?? 12;
  const chaos = options.chaos?.(cluster);
  const run1 = await deliver(cluster, first, { concurrency: options.concurrency ?? 50, maxAttempts, seed: seed + 1 });
  await chaos;
  log(`phase 1: ${run1.sent} sent in ${Math.round(run1.wallMs)} ms, ${JSON.stringify(run1.statuses)}`);
  // What the storm made the providers do raises events of its own: deliver those too.
  const second = schedule(followUpEvents(cluster, prepared), n, { ...knobs, seed: seed + 2 });
  const run2 = await deliver(cluster, second, { concurrency: options.concurrency ?? 50, maxAttempts, seed: seed + 3 });
  log(`phase 2: ${run2.sent} sent in ${Math.round(run2.wallMs)} ms, ${JSON.stringify(run2.statuses)}`);
  const phases = [run1, run2];
  const plan = [...first, ...second];
  const sent = run1.sent + run2.sent;
  const unanswered = (run1.statuses[0] ?? 0) + (run2.statuses[0] ?? 0);
  const check = await checkStorm(cluster, prepared, sent, sent - unanswered);
  const latencies = [...run1.latenciesMs, ...run2.latenciesMs];
  const wallMs = run1.wallMs + run2.wallMs;
  const statuses: Record<string, number> = {};
  for (const r of phases) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    prepared,
    phases,
    check,
    deliveries: plan.length,
    distinctEvents: new Set(plan.map((p) => `${p.delivery.provider}:${p.delivery.eventId}`)).size,
    duplicatesScheduled: plan.filter((p) => p.duplicate).length,
    primaryDeliveries: first.filter((p) => !p.duplicate).length,
    reorderedScheduled: plan.filter((p) => p.reordered && !p.duplicate).length,
    sent,
    maxInFlight: Math.max(run1.maxInFlight, run2.maxInFlight),
    perInstance: cluster.instances.map((_, i) => run1.perInstance[i]! + run2.perInstance[i]!),
    wallMs,
    eventsPerSecond: (sent / wallMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    statuses,
    undelivered: run1.undelivered.length + run2.undelivered.length,
  };
}
