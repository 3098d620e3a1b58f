// Concurrency across two service processes on one PostgreSQL database: one visitor's report
// sent 20 times at once, two visitors paying for one slot, a payment racing its cancellation,
// and the hold sweeper running on both instances at once.
import t from "tap";
import {
  apiCancellations,
  type ClusterBooking,
  clusterSecrets,
  deliverUntilOk,
  eventually,
  freeSlot,
  pendingBooking,
  reportBooking,
  request,
  scanLogs,
  scheduleSlot,
  sleep,
  startAttempt,
  startCluster,
  stripeEventBody,
} from "./helpers/cluster.js";

// Both instances sweep every second, for the whole file.
const c = await startCluster({ name: "concurrency", env: { SWEEP_INTERVAL_SECONDS: "1" } });
t.teardown(c.close);
const prisma = c.db.prisma;
const [one, two] = c.instances as [(typeof c.instances)[0], (typeof c.instances)[0]];

const sessionsFor = (bookingId: string) => c.stripe.sessions.filter((s) => s.client_reference_id === bookingId);

t.test("one invitee reported 20 times at once across two instances: one booking, one session", async (t) => {
  const attemptId = await startAttempt(c, 0);
  const slot = await scheduleSlot(c, attemptId);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => reportBooking(c, i % 2, { attemptId, ...slot })),
  );
  const statuses = results.map((r) => r.status);
  t.ok(
    statuses.every((s) => s === 200 || s === 201),
    `every report succeeds: ${statuses.join(",")} ${results.find((r) => r.status >= 300)?.body ?? ""}`,
  );
  t.equal(statuses.filter((s) => s === 201).length, 1, "exactly one created it");
  t.equal(new Set(results.map((r) => r.json().bookingId)).size, 1, "one booking id");
  t.equal(new Set(results.map((r) => r.json().checkoutUrl)).size, 1, "one checkout URL");
  const bookings = await prisma.booking.findMany({ where: { attemptId }, include: { payments: true } });
  t.equal(bookings.length, 1);
  t.equal(bookings[0]!.payments.length, 1);
  t.equal(sessionsFor(bookings[0]!.id).length, 1, "one Checkout Session at Stripe");
  const keys = new Set(
    c.stripe.requests
      .filter((r) => r.path === "/v1/checkout/sessions" && r.params.client_reference_id === bookings[0]!.id)
      .map((r) => r.idempotencyKey),
  );
  t.same([...keys], [`checkout_${bookings[0]!.id}`], "every call to Stripe carried the booking's one key");
});

t.test("two visitors pay for the same slot at once: never both CONFIRMED", async (t) => {
  const ROUNDS = 8;
  for (let round = 0; round < ROUNDS; round++) {
    const start = freeSlot();
    // The fake Calendly refuses a taken slot, so the second visitor's slot is moved onto the
    // first's in the database: two bookings of one builder at one start time.
    const a = await pendingBooking(c, 0, start);
    const b = await pendingBooking(c, 1);
    await prisma.booking.update({
      where: { id: b.bookingId },
      data: { startTime: start, endTime: new Date(start.getTime() + 3_600_000) },
    });
    await c.stripe.pay(a.sessionId, { waitForDelivery: false });
    await c.stripe.pay(b.sessionId, { waitForDelivery: false });
    const bodyA = stripeEventBody(c, "checkout.session.completed", a.sessionId);
    const bodyB = stripeEventBody(c, "checkout.session.completed", b.sessionId);
    await Promise.all([deliverUntilOk(one, "stripe", bodyA), deliverUntilOk(two, "stripe", bodyB)]);
    await eventually(
      async () => (await prisma.sideEffect.count({ where: { status: { not: "DONE" } } })) === 0,
      10_000,
      "side effects done",
    );
    const rows = await prisma.booking.findMany({ where: { id: { in: [a.bookingId, b.bookingId] } } });
    const confirmed = rows.filter((r) => r.status === "CONFIRMED");
    t.equal(confirmed.length, 1, `round ${round}: exactly one CONFIRMED (${rows.map((r) => r.status).join(", ")})`);
    const loser = [a, b].find((x) => x.bookingId !== confirmed[0]?.id)! as ClusterBooking;
    const winner = [a, b].find((x) => x !== loser)!;
    t.match(
      rows.find((r) => r.id === loser.bookingId),
      { status: "FAILED" },
      `round ${round}: the other one failed`,
    );
    const pi = (x: ClusterBooking) => c.stripe.getSession(x.sessionId)!.payment_intent;
    t.equal(c.stripe.refunds.filter((r) => r.payment_intent === pi(loser)).length, 1, "its payment refunded once");
    t.equal(c.stripe.refunds.filter((r) => r.payment_intent === pi(winner)).length, 0, "the winner keeps theirs");
    t.equal(apiCancellations(c, loser.eventUri).length, 1, "its Calendly event cancelled once");
    t.equal(apiCancellations(c, winner.eventUri).length, 0);
  }
});

t.test("a payment and its cancellation at once, on different instances: refunded exactly once", async (t) => {
  const N = 12;
  const bookings: ClusterBooking[] = [];
  for (let i = 0; i < N; i++) bookings.push(await pendingBooking(c, i % 2));
  const outcomes = await Promise.all(
    bookings.map(async (b, i) => {
      await c.stripe.pay(b.sessionId, { waitForDelivery: false });
      await c.calendly.cancel(b.eventUri, { reason: "Changed my mind" });
      const completed = stripeEventBody(c, "checkout.session.completed", b.sessionId);
      const canceled = c.calendly.deliveries.find(
        (d) => d.event === "invitee.canceled" && d.payload.payload.uri === b.inviteeUri,
      )!.body;
      const [x, y] = await Promise.all([
        deliverUntilOk(c.instances[i % 2]!, "stripe", completed),
        deliverUntilOk(c.instances[(i + 1) % 2]!, "calendly", canceled),
      ]);
      return `${x.last.json().outcome ?? "duplicate"} + ${y.last.json().outcome ?? "duplicate"}`;
    }),
  );
  const tally: Record<string, number> = {};
  for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
  t.comment(`outcomes: ${JSON.stringify(tally)}`);
  for (const b of bookings) {
    const row = await prisma.booking.findUniqueOrThrow({ where: { id: b.bookingId }, include: { payments: true } });
    t.match(row, { status: "REFUNDED", payments: [{ status: "REFUNDED", amountRefunded: 15000 }] }, b.bookingId);
    const pi = c.stripe.getSession(b.sessionId)!.payment_intent;
    t.equal(c.stripe.refunds.filter((r) => r.payment_intent === pi).length, 1, "one refund at Stripe");
    t.equal(apiCancellations(c, b.eventUri).length, 0, "the invitee cancelled it; the service does not again");
  }
});

t.test("the hold sweeper on two instances at once releases each expired hold once", async (t) => {
  const K = 8;
  const holds: ClusterBooking[] = [];
  for (let i = 0; i < K; i++) holds.push(await pendingBooking(c, i % 2));
  const expiredBefore = await funnelExpired();
  // Every hold runs out at once; both instances' sweepers find them within a second.
  await prisma.booking.updateMany({
    where: { id: { in: holds.map((h) => h.bookingId) } },
    data: { holdExpiresAt: new Date(Date.now() - 10 * 60_000) },
  });
  await eventually(
    async () =>
      (await prisma.booking.count({ where: { id: { in: holds.map((h) => h.bookingId) }, status: "EXPIRED" } })) === K,
    20_000,
    "every hold released",
  );
  await sleep(2500); // a few more sweeps on both instances
  for (const h of holds) {
    t.equal(apiCancellations(c, h.eventUri).length, 1, "Calendly event cancelled exactly once");
    t.equal(c.stripe.getSession(h.sessionId)!.status, "expired", "Checkout closed");
    const expireCalls = c.stripe.requests.filter(
      (r) => r.method === "POST" && r.path === `/v1/checkout/sessions/${h.sessionId}/expire` && r.status === 200,
    );
    t.equal(expireCalls.length, 1, "and expired once");
    t.equal(await prisma.bookingStatusChange.count({ where: { bookingId: h.bookingId, to: "EXPIRED" } }), 1);
  }
  const perInstance = await funnelExpired();
  const released = perInstance.map((n, i) => n - expiredBefore[i]!);
  t.equal(
    released.reduce((a, b) => a + b, 0),
    K,
    `${K} releases counted across the instances (${released.join("+")})`,
  );
  t.equal(await prisma.sideEffect.count({ where: { status: { not: "DONE" } } }), 0, "every side effect done");
});

/** Each instance's count of released holds (the funnel's "expired" step). */
async function funnelExpired(): Promise<number[]> {
  return Promise.all(
    c.instances.map(async (i) => {
      const res = await request(i.url, {
        path: "/metrics",
        headers: { authorization: `Bearer ${clusterSecrets.metricsToken}` },
      });
      const line = res.body.split("\n").find((l) => l.startsWith('baw_funnel_total{step="expired"}'));
      return line ? Number(line.split(" ").pop()) : 0;
    }),
  );
}

t.test("logs carry no PII or secrets", async (t) => {
  await c.close();
  const scan = scanLogs(c.logFiles);
  t.ok(scan.lines > 60, `${scan.lines} log lines in ${scan.files} files`);
  t.same(scan.findings.slice(0, 20), [], `no findings (${scan.findings.length})`);
});
