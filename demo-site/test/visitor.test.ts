// What a visitor trips over, in Chromium against the demo: a failing Calendly (host unreachable,
// or answering 503), the return pages' text after each outcome, and going offline on return from
// checkout. Every step saves a screenshot and checks the text the visitor sees.
import { createRequire } from "node:module";
import type { Page, Route } from "playwright-core";
import t from "tap";
import {
  calendly,
  launchBrowser,
  openSession,
  plain,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
  widget,
  widgetText,
  widgetTextMatching,
} from "./helpers/e2e.js";

const demo = await startTestDemo(t);
const browser = await launchBrowser(t);
const calendlyOrigin = new URL(demo.urls.sandboxCalendly!).origin;
const stripeOrigin = new URL(demo.urls.sandboxStripe!).origin;
const isCalendlyPage = (url: URL) => url.origin === calendlyOrigin;

/** The page's visible text, whitespace collapsed (hidden blocks left out). */
// biome-ignore lint/performance/useDomNodeTextContent: the text as rendered, hidden blocks left out, is the point
const visibleText = async (page: Page) => plain(await page.locator("main").innerText());

/** Books Liam's first free slot and waits for the sandbox Checkout. */
async function toCheckout(page: Page): Promise<void> {
  await page.goto(demo.urls.liamBooking);
  await waitForState(page, "calendar");
  await scheduleFirstSlot(calendly(page));
  await page.waitForURL((url) => url.origin === stripeOrigin, { timeout: 20_000 });
}

/** Pays in the sandbox Checkout with `outcome` (see the page's radio buttons). */
async function pay(page: Page, outcome: "card" | "async_fail"): Promise<void> {
  await page.locator(`#outcome-${outcome}`).check();
  const email = page.locator("input#email");
  if (await email.count()) await email.fill("ada@example.com");
  await page.locator("#pay").click();
}

const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** axe-core's `region` rule (all content inside landmarks) on `page`: the ids of its violations' nodes. */
async function regionViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axeSource });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (c: unknown, o: unknown) => Promise<{ violations: { nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: "rule", values: ["region"] } });
    return result.violations.flatMap((v) => v.nodes.map((n) => n.target.join(" ")));
  });
}

await t.test("the sandbox banner and the sandbox Checkout keep all their text inside landmarks", async (t) => {
  // bypassCSP: axe is injected into the page as a script of its own.
  const s = await openSession(t, browser, "landmarks", {
    contextOptions: { bypassCSP: true },
    expected: [
      {
        text: /404/,
        url: /\/favicon\.ico$/,
        why: "with the CSP bypassed for axe, Chromium asks the sandbox Checkout for a favicon it has not got",
      },
    ],
  });
  const { page } = s;
  await page.goto(demo.urls.liamBooking);
  await waitForState(page, "calendar");
  t.ok(await page.locator("aside#sandbox-banner").isVisible(), "the banner is there from the first paint");
  t.same(await regionViolations(page), [], "booking page: no text outside a landmark");
  await scheduleFirstSlot(calendly(page));
  await page.waitForURL((url) => url.origin === stripeOrigin, { timeout: 20_000 });
  t.same(await regionViolations(page), [], "sandbox Checkout: no text outside a landmark");
  t.match(
    plain(await page.locator("#description").textContent()),
    /60 minutes, starting \w+day, /,
    "the session's time, in words",
  );
  t.notMatch(plain(await page.locator("main").textContent()), /\d{4}-\d{2}-\d{2}T/, "no raw timestamp");
  await s.shot("checkout");
  s.assertClean();
});

const brokenCalendly: [string, (route: Route) => Promise<void>][] = [
  ["unreachable", (route) => route.abort("connectionrefused")],
  [
    "503",
    (route) => route.fulfill({ status: 503, contentType: "text/html", body: "<h1>503 Service Unavailable</h1>" }),
  ],
];
for (const [name, answer] of brokenCalendly) {
  await t.test(`Calendly ${name}: no broken frame, the element's own loading state, then a clear error`, async (t) => {
    const s = await openSession(t, browser, `calendly-${name}`, {
      expected: [{ text: /Failed to load resource|ERR_CONNECTION_REFUSED|503/, why: "Calendly is made to fail" }],
    });
    const { page } = s;
    await page.route((url) => isCalendlyPage(url), answer);
    await page.goto(demo.urls.liamBooking);
    await waitForState(page, "calendar");
    const frame = widget(page).locator("iframe");
    await frame.waitFor({ state: "attached" });
    t.equal(await frame.evaluate((f) => getComputedStyle(f).visibility), "hidden", "the broken frame is never shown");
    t.match(await widgetText(page), /Loading the calendar…|taking longer than usual/, "the element says it is loading");
    await s.shot("loading", page);
    await waitForState(page, "error", 15_000);
    const text = await widgetTextMatching(page, /The calendar can't be reached right now\./);
    t.match(text, /The calendar can't be reached right now\./, "says what is wrong, in plain words");
    t.ok(await widget(page).getByRole("button", { name: "Retry" }).isVisible(), "offers Retry");
    await s.shot("error", page);
    s.assertClean();
  });
}

await t.test("the return page after a failed bank debit says only what happened", async (t) => {
  const s = await openSession(t, browser, "return-payment-failed");
  const { page } = s;
  await toCheckout(page);
  await pay(page, "async_fail");
  await page.waitForURL((url) => url.pathname === "/booking/confirmed", { timeout: 20_000 });
  await waitForState(page, "payment-failed", 30_000);
  const text = await visibleText(page);
  t.match(plain(await page.locator("h1").textContent()), /^Payment failed$/, "the page's heading follows the element");
  t.match(text, /you haven't been charged/, "says what is known about the money");
  t.notMatch(text, /calendar invite is on its way/, "no promise of an invite");
  t.notMatch(text, /You're booked/, "no success wording");
  await s.shot("payment-failed");

  await widget(page).getByRole("button", { name: "Book another time" }).click();
  await waitForState(page, "calendar");
  t.equal(plain(await page.locator("h1").textContent()), "Pick another time", "the heading follows to the calendar");
  t.notMatch(await visibleText(page), /Payment not completed|Payment failed/, "no stale failure heading");
  await s.shot("book-again");
  s.assertClean();
});

await t.test("cancelled checkout, then 'taking too long': each page's text matches the element", async (t) => {
  const s = await openSession(t, browser, "return-cancelled");
  const { page } = s;
  // The page's clock, so the minute of "confirming" passes in a moment.
  await page.clock.install();
  await toCheckout(page);
  await page.locator("#cancel").click();
  await page.waitForURL((url) => url.pathname === "/booking/cancelled");
  await waitForState(page, "payment-cancelled");
  const cancelled = await visibleText(page);
  t.equal(plain(await page.locator("h1").textContent()), "Payment not completed");
  t.match(cancelled, /You haven't been charged/);
  t.notMatch(cancelled, /calendar invite is on its way/);
  await s.shot("payment-cancelled");

  // Back on the confirmation page with a booking that stays unpaid: the wait ends in an honest error.
  const back = new URL(page.url());
  back.pathname = "/booking/confirmed";
  back.searchParams.delete("baw_checkout");
  await page.goto(back.href);
  await waitForState(page, "confirming");
  await page.clock.fastForward("01:05");
  await waitForState(page, "error", 20_000);
  const text = await visibleText(page);
  t.match(
    await widgetTextMatching(page, /Confirming the payment is taking too long\./),
    /Confirming the payment is taking too long\./,
  );
  t.match(await widgetText(page), /We don't know yet if your payment went through/, "what is known about the money");
  t.notMatch(text, /calendar invite is on its way/, "no promise of an invite");
  t.notMatch(text, /You're booked/);
  await s.shot("taking-too-long");
  s.assertClean();
});

await t.test("offline on return from checkout: said at once, with the money, and resumed when back", async (t) => {
  const s = await openSession(t, browser, "return-offline", {
    expected: [{ text: /Failed to load resource|ERR_INTERNET_DISCONNECTED/, why: "the connection is cut on purpose" }],
  });
  const { page, context } = s;
  await toCheckout(page);
  // Hold the element's first look at the booking until the connection is gone.
  const api = new URL(demo.urls.api).origin;
  const held: Route[] = [];
  let holding = true;
  await page.route(
    (url) => url.origin === api && url.pathname.startsWith("/v1/bookings/"),
    (route) => (holding ? void held.push(route) : route.continue()),
  );
  await pay(page, "card");
  await page.waitForURL((url) => url.pathname === "/booking/confirmed", { timeout: 20_000 });
  await waitForState(page, "confirming");
  await context.setOffline(true);
  for (const route of held.splice(0)) await route.abort("internetdisconnected");
  await page.waitForFunction(() =>
    document.querySelector("baw-book-builder")?.shadowRoot?.textContent?.includes("You're offline"),
  );
  const text = await widgetText(page);
  t.match(text, /Confirming payment…/);
  t.match(text, /You're offline\. We'll continue when you're back online\./, "says so at once");
  t.match(text, /We don't know yet if your payment went through/, "what is known about the money");
  await s.shot("offline");
  holding = false;
  await context.setOffline(false);
  await waitForState(page, "confirmed", 20_000);
  t.match(await widgetText(page), /You're booked/);
  const focused = await page.evaluate(() => {
    const host = document.activeElement;
    return host?.tagName === "BAW-BOOK-BUILDER" ? host.shadowRoot?.activeElement?.textContent : host?.tagName;
  });
  t.equal(focused, "You're booked", "focus is on the result's heading, not the body");
  t.equal(plain(await page.locator("h1").textContent()), "You're booked", "the page's heading follows");
  t.match(await visibleText(page), /calendar invite is on its way/, "the next steps, now that it is true");
  await s.shot("confirmed");
  s.assertClean();
});
