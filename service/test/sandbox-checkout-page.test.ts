// The sandbox Checkout page as a visitor reads it: the session's time and the hold in words, not raw timestamps.

import { createHash } from "node:crypto";
import { LOCAL_TIMES, renderCheckoutPage, SCRIPT_SOURCE } from "@baw/sandbox/fake-stripe/checkout-page";
import type { SessionRecord } from "@baw/sandbox/fake-stripe/store";
import t from "tap";

const start = "2030-03-14T15:30:00.000Z";
const expiresAt = Date.parse("2030-03-10T09:05:00Z") / 1000;

const session = {
  id: "cs_test_page",
  status: "open",
  paymentStatus: "unpaid",
  amountTotal: 15000,
  currency: "usd",
  customerEmail: "ada@example.com",
  customerDetails: null,
  cancelUrl: "https://shop.example/cancelled",
  successUrl: "https://shop.example/done",
  expiresAt,
  lineItems: [
    {
      id: "li_1",
      description: "1:1 session with Liam",
      quantity: 1,
      unitAmount: 15000,
      currency: "usd",
      productName: "1:1 session with Liam",
      productDescription: `60 minutes, starting ${start}`,
      productMetadata: {},
    },
  ],
} as unknown as SessionRecord;

const html = renderCheckoutPage(session);
/** The text a visitor sees without the page's script: tags, the script and attributes removed. */
const visible = html
  .replace(/<script>[\s\S]*?<\/script>/g, "")
  .replace(/<style>[\s\S]*?<\/style>/g, "")
  .replace(/<[^>]+>/g, " ");

t.test("shows the session's time and the hold's end as readable times, never a raw timestamp", async (t) => {
  t.match(html, `<time datetime="${start}">Thursday, March 14, 2030 at 3:30 PM UTC</time>`, "the session's start");
  t.match(html, /<time id="expires" datetime="2030-03-10T09:05:00.000Z">Sunday, March 10, 2030 at 9:05 AM UTC<\/time>/);
  t.match(visible, /Your time is held until/);
  t.notMatch(visible, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, "no ISO timestamp in the visible text");
  t.match(
    html,
    /<script>for \(const t of document\.querySelectorAll\("time\[datetime\]"\)\)/,
    "localized in the browser",
  );
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  t.equal(script, LOCAL_TIMES);
  const hash = createHash("sha256").update(script).digest("base64");
  t.equal(SCRIPT_SOURCE, `'sha256-${hash}'`, "the Content-Security-Policy allows exactly that script");
});

t.test("every piece of text sits in a landmark (axe's region rule)", async (t) => {
  const body = /<body>([\s\S]*)<\/body>/.exec(html)![1]!;
  const outside = body
    .replace(/<header[\s\S]*?<\/header>/, "")
    .replace(/<main[\s\S]*?<\/main>/, "")
    .replace(/<script>[\s\S]*?<\/script>/, "")
    .trim();
  t.equal(outside, "", "nothing outside header and main");
  t.match(body, /<header class="banner" aria-label="Sandbox notice">/);
});
