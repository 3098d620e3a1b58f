// 4. The service goes away: the element shows its error state with a retry; once the service is
// back (a new instance on the same port, over the same PGlite directory) the retry succeeds.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import t from "tap";
import {
  calendly,
  launchBrowser,
  openSession,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
  widget,
  widgetTextMatching,
} from "./helpers/e2e.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "baw-demo-restart-"));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
const demo = await startTestDemo(t, { PGLITE_DIR: path.join(dataDir, "pglite") });
const api = new URL(demo.urls.api);
const browser = await launchBrowser(t);
const s = await openSession(t, browser, "service-restart", {
  expected: [
    {
      // While the service is down, Chromium itself logs each refused connection (the element's
      // requests). Producing them is the point of this test;
      // only refused connections to the service's own origin are expected.
      text: /^Failed to load resource: net::ERR_CONNECTION_REFUSED$/,
      url: new RegExp(`^${api.origin.replace(/[.]/g, "\\.")}/`),
      why: "the service is stopped on purpose",
    },
  ],
});
const { page } = s;

await t.test("with the service stopped the element shows an error with a retry", async (t) => {
  await demo.stopService();
  t.notOk(demo.serviceRunning, "the service is stopped");
  await page.goto(demo.urls.liamBooking);
  await waitForState(page, "error");
  const text = await widgetTextMatching(page, /Can't reach the booking service/);
  t.match(text, /Can't reach the booking service/, "the element says the service is unreachable");
  t.ok(await widget(page).getByRole("button", { name: "Retry" }).isVisible(), "and offers a retry");
  await s.shot("error");
});

await t.test("after the service is back on the same port, retry loads the calendar", async (t) => {
  await demo.startService();
  t.equal(new URL(demo.urls.api).port, api.port, "the new instance listens on the same port");
  await widget(page).getByRole("button", { name: "Retry" }).click();
  await waitForState(page, "calendar");
  await calendly(page).locator("[data-slot]").first().waitFor();
  await s.shot("retried-calendar");
});

await t.test("and the booking goes through to checkout on the new instance", async (t) => {
  await scheduleFirstSlot(calendly(page));
  await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`));
  t.equal(
    await demo.app.db.prisma.booking.count({ where: { status: "PENDING_PAYMENT" } }),
    1,
    "a booking awaits payment",
  );
  await s.shot("checkout");
});

s.assertClean();
