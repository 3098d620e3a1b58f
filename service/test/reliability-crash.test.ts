// Crash safety with two service processes on one PostgreSQL database: a process killed with
// SIGKILL in the middle of a webhook's side effect, and PostgreSQL becoming unreachable for one
// instance (a TCP proxy between them is cut and restored).
import t, { type Test } from "tap";
import { uuidFromUri } from "../src/providers/calendly.js";
import {
  apiCancellations,
  deliverUntilOk,
  eventually,
  type HttpResult,
  pendingBooking,
  postWebhook,
  reportBooking,
  request,
  scanLogs,
  scheduleSlot,
  startAttempt,
  startCluster,
  stripeEventBody,
} from "./helpers/cluster.js";
import { startTcpProxy } from "./helpers/tcp-proxy.js";

// The claim outlives the lock: a retry that takes over the event finds the effect still claimed
// by the dead worker, and must ask to be retried rather than answer 200 with it undone.
const LOCK_MS = 1500;
const CLAIM_MS = 3000;
const proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
// Instance 0 reaches PostgreSQL directly; instance 1 through the proxy.
const c = await startCluster({
  name: "crash",
  env: { WEBHOOK_LOCK_TIMEOUT_MS: String(LOCK_MS), SIDE_EFFECT_CLAIM_TIMEOUT_MS: String(CLAIM_MS) },
  envFor: (index, url): Record<string, string> =>
    index === 1 ? { DATABASE_URL: url.replace(":5432/", `:${proxy.port}/`) } : {},
});
t.teardown(async () => {
  await c.close();
  await proxy.close();
});
const [direct, proxied] = c.instances as [(typeof c.instances)[0], (typeof c.instances)[0]];

const cancellationRequests = (eventUri: string) =>
  c.calendly.requests.filter(
    (r) => r.method === "POST" && r.path === `/api/scheduled_events/${uuidFromUri(eventUri)}/cancellation`,
  );

t.test("SIGKILL in the middle of a side effect: the provider's retry completes it exactly once", async (t) => {
  const booking = await pendingBooking(c, 0);
  await c.stripe.expire(booking.sessionId);
  const body = stripeEventBody(c, "checkout.session.expired", booking.sessionId);
  // Calendly takes its time: the instance is killed while it waits for the cancellation.
  c.calendly.faults.next({ method: "POST", path: /\/cancellation$/, delayMs: 60_000 });
  const inFlight = postWebhook(direct, "stripe", body).then(
    (r) => r,
    (e: Error) => e,
  );
  await eventually(() => cancellationRequests(booking.eventUri).length === 1, 10_000, "the cancellation call");
  await direct.kill("SIGKILL");
  const answer = await inFlight;
  t.ok(answer instanceof Error, `the killed instance never answered (${String(answer)})`);

  const prisma = c.db.prisma;
  t.equal((await prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "EXPIRED");
  const effect = await prisma.sideEffect.findUniqueOrThrow({ where: { key: `cancel_event_${booking.bookingId}` } });
  t.match(effect, { status: "PENDING", attempts: 1 }, "the effect was claimed by the dead worker");
  t.not(effect.claimedAt, null);
  t.equal(apiCancellations(c, booking.eventUri).length, 0, "Calendly never completed the cut-off call");

  // Stripe retries; the load balancer sends the retry to the surviving instance.
  const started = Date.now();
  const { statuses, last } = await deliverUntilOk(proxied, "stripe", body);
  t.ok(
    statuses.slice(0, -1).every((s) => s === 409),
    `asked to retry while the dead worker's lock was fresh: ${statuses.join(",")}`,
  );
  t.ok(Date.now() - started >= CLAIM_MS - 300, "the effect is taken over only after its claim times out");
  t.match(last.json(), { received: true });
  t.equal(apiCancellations(c, booking.eventUri).length, 1, "the Calendly event is cancelled exactly once");
  t.match(await prisma.sideEffect.findUniqueOrThrow({ where: { id: effect.id } }), { status: "DONE", attempts: 2 });
  const eventId = JSON.parse(body).id;
  t.match(await prisma.webhookEvent.findFirstOrThrow({ where: { providerEventId: eventId } }), {
    status: "PROCESSED",
  });
  t.equal(
    await prisma.bookingStatusChange.count({ where: { bookingId: booking.bookingId, to: "EXPIRED" } }),
    1,
    "one EXPIRED transition",
  );

  // The killed instance comes back with no manual step, and the event is a duplicate there.
  await direct.start();
  const again = await postWebhook(direct, "stripe", body);
  t.equal(again.status, 200);
  t.match(again.json(), { duplicate: true });
  t.equal(apiCancellations(c, booking.eventUri).length, 1);
});

const expectDatabaseDown = (t: Test, res: HttpResult, what: string) => {
  t.equal(res.status, 503, `${what}: ${res.body}`);
  t.match(
    res.json(),
    { statusCode: 503, error: "database_unavailable", message: /database/, retryable: true },
    `${what}: a clear, retryable answer`,
  );
  t.ok(Number(res.headers["retry-after"]) > 0, `${what}: Retry-After`);
};

t.test("PostgreSQL unreachable: 503s with a clear message, nothing half-written, recovery on its own", async (t) => {
  const ready = await request(proxied.url, { path: "/ready" });
  t.equal(ready.status, 200, "ready before the outage");
  const attemptId = await startAttempt(c, 1);
  const slot = await scheduleSlot(c, attemptId);
  const sessionsBefore = c.stripe.sessions.length;
  // A booking report in flight when the database goes: Calendly answers slowly, meanwhile the
  // connection to PostgreSQL is cut.
  c.calendly.faults.next({ method: "GET", path: /^\/api\/scheduled_events\/[^/]+$/, delayMs: 800 });
  const midFlight = reportBooking(c, 1, { attemptId, ...slot });
  await eventually(
    () => c.calendly.requests.some((r) => r.path === `/api/scheduled_events/${uuidFromUri(slot.eventUri)}`),
    10_000,
    "the verification call",
  );
  await proxy.cut();
  expectDatabaseDown(t, await midFlight, "a report cut off mid-flight");
  t.equal(await c.db.prisma.booking.count({ where: { attemptId } }), 0, "no booking half-written");
  t.equal(c.stripe.sessions.length, sessionsBefore, "no Checkout Session opened for it");

  const notReady = await request(proxied.url, { path: "/ready" });
  t.equal(notReady.status, 503);
  t.match(notReady.json(), { status: "not_ready", database: "down" });
  t.equal((await request(proxied.url, { path: "/health" })).status, 200, "alive, only not ready");
  expectDatabaseDown(
    t,
    await request(proxied.url, { path: "/v1/builders/liam/booking-config", headers: c.siteHeaders }),
    "booking-config",
  );
  expectDatabaseDown(
    t,
    await request(proxied.url, {
      path: "/v1/booking-attempts",
      headers: c.siteHeaders,
      body: { builder: "liam" },
    }),
    "a new attempt",
  );
  expectDatabaseDown(t, await reportBooking(c, 1, { attemptId, ...slot }), "the widget's retry");
  const other = await pendingBooking(c, 0);
  await c.stripe.pay(other.sessionId, { waitForDelivery: false });
  const completed = stripeEventBody(c, "checkout.session.completed", other.sessionId);
  expectDatabaseDown(t, await postWebhook(proxied, "stripe", completed), "a webhook");
  const healthy = await request(direct.url, { path: "/v1/builders/liam/booking-config", headers: c.siteHeaders });
  t.equal(healthy.status, 200, "the other instance keeps serving");

  await proxy.restore();
  await eventually(async () => (await request(proxied.url, { path: "/ready" })).status === 200, 15_000, "ready again");
  const retried = await reportBooking(c, 1, { attemptId, ...slot });
  t.equal(retried.status, 201, `the widget's retry succeeds: ${retried.body}`);
  t.equal(c.stripe.sessions.length, sessionsBefore + 2, "one session for it (and one for the other booking)");
  const delivered = await postWebhook(proxied, "stripe", completed);
  t.equal(delivered.status, 200, delivered.body);
  t.match(delivered.json(), { outcome: "confirmed" });
});

t.test("the database goes mid-webhook: the retry finishes the job, the provider sees the effect once", async (t) => {
  const booking = await pendingBooking(c, 0);
  await c.stripe.expire(booking.sessionId);
  const body = stripeEventBody(c, "checkout.session.expired", booking.sessionId);
  // The state change commits, then Calendly is slow; the database goes while it waits.
  c.calendly.faults.next({ method: "POST", path: /\/cancellation$/, delayMs: 800 });
  const inFlight = postWebhook(proxied, "stripe", body);
  await eventually(() => cancellationRequests(booking.eventUri).length === 1, 10_000, "the cancellation call");
  await proxy.cut();
  const cutOff = await inFlight;
  expectDatabaseDown(t, cutOff, "the webhook");
  t.equal(apiCancellations(c, booking.eventUri).length, 1, "Calendly did cancel");
  await proxy.restore();
  const { statuses } = await deliverUntilOk(proxied, "stripe", body);
  t.ok(
    statuses.slice(0, -1).every((s) => s === 409 || s === 503),
    `retried until the abandoned lock and claim time out: ${statuses.join(",")}`,
  );
  t.equal(apiCancellations(c, booking.eventUri).length, 1, "and only once: the retry found it already cancelled");
  t.equal(cancellationRequests(booking.eventUri).length, 2, "the retry asked again (Calendly answered 403)");
  t.match(await c.db.prisma.sideEffect.findUniqueOrThrow({ where: { key: `cancel_event_${booking.bookingId}` } }), {
    status: "DONE",
  });
  t.equal((await c.db.prisma.booking.findUniqueOrThrow({ where: { id: booking.bookingId } })).status, "EXPIRED");
});

t.test("a network partition (packets dropped, nothing refused): bounded 503s, not requests that hang", async (t) => {
  t.equal((await request(proxied.url, { path: "/ready" })).status, 200);
  proxy.blackhole();
  const timed = async (what: string, res: Promise<HttpResult>) => {
    const started = Date.now();
    const r = await res;
    return { what, r, ms: Date.now() - started };
  };
  const [ready, config, attempt] = await Promise.all([
    timed("/ready", request(proxied.url, { path: "/ready", timeoutMs: 30_000 })),
    timed(
      "booking-config",
      request(proxied.url, {
        path: "/v1/builders/ada-fernandez/booking-config",
        headers: c.siteHeaders,
        timeoutMs: 30_000,
      }),
    ),
    timed(
      "a new attempt",
      request(proxied.url, {
        path: "/v1/booking-attempts",
        headers: c.siteHeaders,
        body: { builder: "liam" },
        timeoutMs: 30_000,
      }),
    ),
  ]);
  t.equal(ready.r.status, 503, "/ready fails");
  t.match(ready.r.json(), { status: "not_ready", database: "down" });
  t.ok(ready.ms < 4000, `/ready answers within its own timeout (${ready.ms} ms)`);
  for (const x of [config, attempt]) {
    expectDatabaseDown(t, x.r, x.what);
    t.ok(x.ms < 12_000, `${x.what} answers within the connection and query timeouts (${x.ms} ms)`);
  }
  await proxy.restore();
  await eventually(async () => (await request(proxied.url, { path: "/ready" })).status === 200, 15_000, "ready again");
  const after = await request(proxied.url, {
    path: "/v1/builders/ada-fernandez/booking-config",
    headers: c.siteHeaders,
  });
  t.equal(after.status, 200, "recovered without a restart");
});

t.test("logs carry no PII or secrets", async (t) => {
  await c.close();
  const scan = scanLogs(c.logFiles);
  t.ok(scan.lines > 20, `${scan.lines} log lines in ${scan.files} files`);
  t.same(scan.findings, [], "no findings");
});
