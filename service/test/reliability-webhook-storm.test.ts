// The webhook storm, scaled down for npm test (the soak runs it with 10,000+ deliveries): two
// service processes, signed Stripe and Calendly deliveries with 30 % duplicates, 10 % out of
// order and 50 in flight; every booking must end in the state its story demands, with every
// confirmation, refund and Calendly cancellation done once, and every delivery logged.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sandboxSecrets } from "@baw/sandbox";
import t from "tap";
import { clusterSecrets, forbiddenInLogs, scanLogs, startCluster, stripeSignature } from "./helpers/cluster.js";
import { runStorm } from "./helpers/storm.js";

const BOOKINGS = Number(process.env.STORM_BOOKINGS ?? 170);

const c = await startCluster({ name: "storm" });
t.teardown(c.close);

t.test(`webhook storm: ${BOOKINGS} bookings, ~${BOOKINGS * 4} deliveries over two instances`, async (t) => {
  const report = await runStorm(c, { bookings: BOOKINGS, concurrency: 50, log: (line) => t.comment(line) });
  const { check } = report;
  t.comment(
    `figures: ${report.sent} deliveries sent (${report.deliveries} scheduled, ${report.distinctEvents} distinct events, ` +
      `${report.duplicatesScheduled} duplicates, ${report.reorderedScheduled} out of order), ` +
      `${report.eventsPerSecond.toFixed(0)} deliveries/s, p50 ${report.p50Ms.toFixed(0)} ms, ` +
      `p99 ${report.p99Ms.toFixed(0)} ms, max ${report.maxInFlight} in flight, per instance ${report.perInstance.join("/")}, ` +
      `answers ${JSON.stringify(report.statuses)}`,
  );
  t.comment(`counts: ${JSON.stringify(check.counts)}`);

  t.ok(report.deliveries >= BOOKINGS * 3, `${report.deliveries} deliveries scheduled`);
  const dupShare = report.duplicatesScheduled / (report.deliveries - report.duplicatesScheduled);
  t.ok(dupShare > 0.2 && dupShare < 0.4, `about 30 % duplicates (${(dupShare * 100).toFixed(0)} %)`);
  const outOfOrder = report.reorderedScheduled / report.primaryDeliveries;
  t.ok(outOfOrder >= 0.09 && outOfOrder < 0.15, `about 10 % out of order (${(outOfOrder * 100).toFixed(1)} %)`);
  t.ok(report.maxInFlight >= 50, `${report.maxInFlight} deliveries in flight at once`);
  t.ok(
    report.perInstance.every((n) => n > report.sent / 4),
    `spread over the instances: ${report.perInstance.join("/")}`,
  );
  t.equal(report.undelivered, 0, "every delivery eventually answered 2xx");
  t.same(check.problems, [], "every booking ends in the right state, effects done once");
  t.equal(check.counts.doubleConfirmations, 0, "no double confirmation");
  t.equal(check.counts.doubleRefunds, 0, "no double refund");
  t.equal(check.counts.doubleCancellations, 0, "no double Calendly cancellation");
  t.equal(check.counts.webhookDeliveryRows, report.sent, "a WebhookDelivery row for every delivery sent");
  t.equal(check.counts.webhookEvents, report.distinctEvents, "one WebhookEvent per provider event");
  t.ok(report.eventsPerSecond >= 15, `throughput floor: ${report.eventsPerSecond.toFixed(0)} deliveries/s`);
  t.ok(report.p99Ms <= 8000, `latency ceiling: p99 ${report.p99Ms.toFixed(0)} ms`);
});

t.test("the log scan finds each thing it looks for", async (t) => {
  // Outside the run's log directory, which the end-of-run scan must find clean.
  const dir = mkdtempSync(path.join(os.tmpdir(), "baw-planted-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "planted.log");
  const planted = [
    '{"msg":"mail vesper@guests.example"}',
    '{"url":"/x?email=vesper%40guests.example"}',
    `{"key":"${clusterSecrets.stripeSecretKey}"}`,
    '{"key":"rk_live_abcdefgh"}',
    `{"secret":"${clusterSecrets.stripeWebhookSecret}"}`,
    '{"secret":"whsec_other1"}',
    `{"token":"${clusterSecrets.calendlyToken}"}`,
    `{"key":"${clusterSecrets.calendlyWebhookSigningKey}"}`,
    `{"secret":"${clusterSecrets.bookingTokenSecret}"}`,
    `{"header":"${stripeSignature("body")}"}`,
    '{"auth":"baw_sk_AbCd1234.abcdefghijklmnop"}',
    '{"name":"Vesper Quillfeather7"}',
    '{"token":"bt_abcdefghijklmnopqrstuvwxyz"}',
    `{"secret":"${sandboxSecrets.calendlyOAuthClientSecret}"}`,
    '{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"}',
  ];
  writeFileSync(file, planted.join("\n"));
  const scan = scanLogs([file]);
  const found = new Set(scan.findings.map((f) => f.line));
  t.same(
    planted.map((_, i) => found.has(i + 1)),
    planted.map(() => true),
    "every planted line is found",
  );
  t.equal(new Set(scan.findings.map((f) => f.what)).size, forbiddenInLogs().length, "and every pattern fires");
});

t.test("logs carry no PII or secrets", async (t) => {
  await c.close();
  const scan = scanLogs(c.logFiles);
  t.ok(scan.lines > 1000, `${scan.lines} log lines in ${scan.files} files`);
  t.same(scan.findings.slice(0, 20), [], `no findings (${scan.findings.length})`);
});
