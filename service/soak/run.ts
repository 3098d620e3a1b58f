// npm run soak: the webhook storm at full size, bounded. Two (SOAK_INSTANCES) service processes
// on a fresh PostgreSQL database share one fake Stripe and one fake Calendly on loopback; about
// 10,000 signed deliveries (SOAK_BOOKINGS bookings' worth) go out with 30 % duplicates, 10 % out
// of order and 50 in flight. Then a second, smaller storm (SOAK_CHAOS_BOOKINGS; 0 skips it) in
// which one instance is killed with SIGKILL mid-storm and restarted. It stops by itself: after
// both, or at SOAK_TIME_LIMIT_SECONDS.
// Exit status 0 only if every check holds; the figures are printed as a table row for
// docs/RELIABILITY.md and written, with the logs, to a directory under the system's temp dir.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { type Cluster, scanLogs, sleep, startCluster } from "../test/helpers/cluster.js";
import { runStorm, type StormReport } from "../test/helpers/storm.js";

const bookings = Number(process.env.SOAK_BOOKINGS ?? 2850);
const instances = Number(process.env.SOAK_INSTANCES ?? 2);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 50);
const timeLimitSeconds = Number(process.env.SOAK_TIME_LIMIT_SECONDS ?? 600);
const minDeliveries = Number(process.env.SOAK_MIN_DELIVERIES ?? 10_000);
/** Floors and ceilings the run must meet (generous: the machine is shared). */
const minPerSecond = Number(process.env.SOAK_MIN_PER_SECOND ?? 25);
const maxP99Ms = Number(process.env.SOAK_MAX_P99_MS ?? 8000);
const chaosBookings = Number(process.env.SOAK_CHAOS_BOOKINGS ?? 600);

const started = Date.now();
const log = (line: string) => process.stdout.write(`[soak ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);

let cluster: Cluster | undefined;
let chaosCluster: Cluster | undefined;
const watchdog = setTimeout(async () => {
  log(`time limit of ${timeLimitSeconds} s reached: stopping`);
  await Promise.all([cluster?.close().catch(() => {}), chaosCluster?.close().catch(() => {})]);
  process.exit(2);
}, timeLimitSeconds * 1000);
watchdog.unref();

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

async function main(): Promise<StormReport> {
  log(`starting ${instances} service processes`);
  cluster = await startCluster({ name: "soak", instances });
  log(`logs in ${cluster.logDir}`);
  const report = await runStorm(cluster, { bookings, concurrency, log });
  const { check: storm } = report;
  check(report.deliveries >= minDeliveries, `${report.deliveries} deliveries scheduled (at least ${minDeliveries})`);
  const dupShare = report.duplicatesScheduled / (report.deliveries - report.duplicatesScheduled);
  check(dupShare > 0.25 && dupShare < 0.35, `${(dupShare * 100).toFixed(1)} % duplicates (about 30 %)`);
  const outOfOrder = report.reorderedScheduled / report.primaryDeliveries;
  check(outOfOrder >= 0.09 && outOfOrder < 0.12, `${(outOfOrder * 100).toFixed(1)} % out of order (about 10 %)`);
  check(report.maxInFlight >= 50, `${report.maxInFlight} deliveries in flight at most (at least 50)`);
  check(
    report.perInstance.every((n) => n > report.sent / (instances * 2)),
    `spread over ${instances} instances: ${report.perInstance.join("/")}`,
  );
  check(report.undelivered === 0, `${report.undelivered} deliveries never answered 2xx`);
  check(storm.problems.length === 0, `${storm.problems.length} bookings or records off their story`);
  for (const p of storm.problems.slice(0, 20)) log(`  ${p}`);
  check(storm.counts.doubleConfirmations === 0, `${storm.counts.doubleConfirmations} double confirmations`);
  check(storm.counts.doubleRefunds === 0, `${storm.counts.doubleRefunds} double refunds`);
  check(storm.counts.doubleCancellations === 0, `${storm.counts.doubleCancellations} double Calendly cancellations`);
  check(
    storm.counts.webhookDeliveryRows === report.sent,
    `${storm.counts.webhookDeliveryRows} WebhookDelivery rows for ${report.sent} deliveries sent`,
  );
  check(
    storm.counts.webhookEvents === report.distinctEvents,
    `${storm.counts.webhookEvents} WebhookEvent rows for ${report.distinctEvents} distinct events`,
  );
  check(
    report.eventsPerSecond >= minPerSecond,
    `${report.eventsPerSecond.toFixed(0)} deliveries/s (at least ${minPerSecond})`,
  );
  check(report.p99Ms <= maxP99Ms, `p99 ${report.p99Ms.toFixed(0)} ms (at most ${maxP99Ms})`);

  await cluster.close();
  const scan = scanLogs(cluster.logFiles);
  check(scan.findings.length === 0, `${scan.findings.length} PII or secret findings in ${scan.lines} log lines`);
  for (const f of scan.findings.slice(0, 10)) log(`  ${f.what} in ${f.file}:${f.line}: ${f.excerpt}`);
  return report;
}

/** A storm during which one instance is killed (SIGKILL) and comes back. */
async function chaos(): Promise<void> {
  log(`chaos: starting ${instances} service processes (lock and claim timeouts 5 s)`);
  chaosCluster = await startCluster({
    name: "soak-chaos",
    instances,
    env: { WEBHOOK_LOCK_TIMEOUT_MS: "5000", SIDE_EFFECT_CLAIM_TIMEOUT_MS: "5000" },
  });
  const victim = chaosCluster.instances[instances - 1]!;
  const report = await runStorm(chaosCluster, {
    bookings: chaosBookings,
    concurrency,
    // Providers retry for hours; this one is patient for about two minutes.
    maxAttempts: 60,
    log: (line) => log(`chaos: ${line}`),
    chaos: async () => {
      await sleep(4000);
      log(`chaos: SIGKILL instance ${victim.index} mid-storm`);
      await victim.kill("SIGKILL");
      await sleep(3000);
      await victim.start();
      log(`chaos: instance ${victim.index} restarted`);
    },
  });
  const cut = report.statuses[0] ?? 0;
  check(cut > 0, `chaos: ${cut} deliveries cut off or refused by the killed instance, then retried`);
  check(report.undelivered === 0, `chaos: ${report.undelivered} deliveries never answered 2xx`);
  check(
    report.check.problems.length === 0,
    `chaos: ${report.check.problems.length} bookings or records off their story`,
  );
  for (const p of report.check.problems.slice(0, 20)) log(`  ${p}`);
  const c = report.check.counts;
  check(
    c.doubleConfirmations + c.doubleRefunds + c.doubleCancellations === 0,
    `chaos: ${c.doubleConfirmations} double confirmations, ${c.doubleRefunds} double refunds, ${c.doubleCancellations} double cancellations`,
  );
  log(
    `chaos: ${report.deliveries} deliveries (${report.sent} sent), ${report.eventsPerSecond.toFixed(0)}/s, ` +
      `p99 ${report.p99Ms.toFixed(0)} ms, answers ${JSON.stringify(report.statuses)}`,
  );
  await chaosCluster.close();
  const scan = scanLogs(chaosCluster.logFiles);
  check(scan.findings.length === 0, `chaos: ${scan.findings.length} PII or secret findings in ${scan.lines} log lines`);
}

try {
  const report = await main();
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const row =
    `| ${report.deliveries.toLocaleString("en")} deliveries (${report.sent.toLocaleString("en")} sent with retries), ` +
    `${report.prepared.bookings.length} bookings, ${instances} instances, ${concurrency} in flight | ` +
    `${report.eventsPerSecond.toFixed(0)}/s | p50 ${report.p50Ms.toFixed(0)} ms, p99 ${report.p99Ms.toFixed(0)} ms | ` +
    `${report.check.problems.length} problems, answers ${JSON.stringify(report.statuses)} | ${seconds} s |`;
  log(`table row:\n${row}`);
  const summary = { ...report, prepared: undefined, phases: undefined };
  const file = path.join(cluster!.logDir, "soak-report.json");
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), seconds: Number(seconds), failures, summary, row }, null, 2),
  );
  log(`report in ${file}`);
  if (chaosBookings > 0) await chaos();
} catch (error) {
  failures.push(String(error));
  log(`error: ${error instanceof Error ? error.stack : String(error)}`);
  await Promise.all([cluster?.close().catch(() => {}), chaosCluster?.close().catch(() => {})]);
}
clearTimeout(watchdog);
log(failures.length === 0 ? "soak passed" : `soak FAILED: ${failures.length} checks`);
process.exit(failures.length === 0 ? 0 : 1);
