// 5. The catalogue is data: a builder created through the partner API, with a session type priced
// through it, appears on the marketplace, survives a restart of the service unchanged (same
// PGlite directory, no seed over it), and is booked and paid end to end in the sandbox.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { issuePartnerKey } from "@baw/service";
import t from "tap";
import {
  calendly,
  launchBrowser,
  openSession,
  plain,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
  widgetText,
} from "./helpers/e2e.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "baw-demo-catalogue-"));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
const demo = await startTestDemo(t, { PGLITE_DIR: path.join(dataDir, "pglite") });
const { key } = await issuePartnerKey(demo.app.db.prisma, {
  name: "catalogue e2e",
  scopes: ["builders:read", "builders:write"],
});
const partner = async (method: "GET" | "POST", route: string, body?: unknown) => {
  const res = await fetch(`${demo.urls.api}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const browser = await launchBrowser(t);
const s = await openSession(t, browser, "catalogue-builder");
const { page } = s;
let created: Record<string, unknown> = {};

await t.test("a builder and a priced session type are created through the partner API", async (t) => {
  const builder = await partner("POST", "/v1/partner/builders", {
    slug: "grace-hopper",
    name: "Grace Hopper",
    headline: "Compilers, from the first one on",
    bio: "Grace walks you through your compiler's first pass.",
    // The sandbox's spare event type of its sample Calendly account.
    calendlyEventUrl: `${demo.urls.sandboxCalendly}/liam-buildappswith/intro-call`,
    refundPolicy: "CUTOFF",
    refundCutoffHours: 24,
  });
  t.equal(builder.status, 201, JSON.stringify(builder.body));
  const sessionType = await partner("POST", "/v1/partner/builders/grace-hopper/session-types", {
    name: "Compiler clinic",
    durationMinutes: 30,
    price: { amount: 8500, currency: "usd" },
  });
  t.equal(sessionType.status, 201, JSON.stringify(sessionType.body));
  const read = await partner("GET", "/v1/partner/builders/grace-hopper");
  t.equal(read.body.state, "bookable", "with a Calendly event and a session type it is bookable");
  created = read.body;
});

await t.test("it appears on the marketplace, read from the service's API", async (t) => {
  await page.goto(demo.urls.marketplace);
  const card = page.locator('.builder-card[data-builder="grace-hopper"]');
  await card.waitFor();
  t.match(plain(await card.textContent()), /Grace Hopper.*Taking bookings.*Compiler clinic · 30 min.*\$85/);
  t.equal(await page.locator(".builder-card").count(), 7, "beside the demo's six");
});

await t.test("it survives a restart of the service unchanged", async (t) => {
  await demo.stopService();
  await demo.startService();
  const after = await partner("GET", "/v1/partner/builders/grace-hopper");
  t.equal(after.status, 200);
  t.same(after.body, created, "the same builder, session type and price after the restart");
  const all = await partner("GET", "/v1/partner/builders");
  t.equal((all.body.data as unknown[]).length, 7, "and the demo seed did not run over the catalogue");
});

await t.test("it is booked and paid end to end in the sandbox", async (t) => {
  await page.goto(demo.urls.marketplace);
  await page.locator('.builder-card[data-builder="grace-hopper"] a').click();
  await page.waitForURL(/\/builders\/grace-hopper$/);
  await page.getByRole("link", { name: "Book a session" }).click();
  await page.waitForURL(/\/builders\/grace-hopper\/book$/);
  await waitForState(page, "calendar");
  await scheduleFirstSlot(calendly(page));
  await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`), { timeout: 20_000 });
  t.equal(plain(await page.locator("#amount").textContent()), "$85.00", "the price set through the API");
  await page.locator("#pay").click();
  await page.waitForURL((url) => url.pathname === "/booking/confirmed", { timeout: 20_000 });
  await waitForState(page, "confirmed");
  t.match(await widgetText(page), /Grace Hopper/, "the element names the builder");
  await s.shot("confirmed");

  const id = new URL(page.url()).searchParams.get("baw_booking")!;
  const booking = await demo.app.db.prisma.booking.findUniqueOrThrow({
    where: { id },
    include: { payments: true, builder: true, sessionType: true },
  });
  t.equal(booking.builder.slug, "grace-hopper");
  t.equal(booking.sessionType.name, "Compiler clinic");
  t.equal(booking.status, "CONFIRMED");
  t.equal(booking.endTime.getTime() - booking.startTime.getTime(), 30 * 60_000, "a 30-minute slot");
  t.match(booking.payments, [{ status: "PAID", amount: 8500, amountCaptured: 8500, amountRefunded: 0 }]);
});

s.assertClean();
