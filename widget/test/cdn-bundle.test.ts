// The built CDN bundle (minified, private names mangled, chunks for German and the after-checkout
// module) does what the sources do. `npm test` builds it first (pretest).
import { expect } from "@esm-bundle/chai";
import type { BawBookBuilder } from "../src/baw-book-builder.js";
import { attrs, bookable, booking, frame, MockApi, text, waitFor, waitForState } from "./helpers.js";

async function host(query: Record<string, string>): Promise<[HTMLIFrameElement, BawBookBuilder]> {
  const iframe = document.createElement("iframe");
  iframe.style.cssText = "width:800px;height:900px";
  iframe.src = `/test/fixtures/cdn-host.html?${new URLSearchParams(query)}`;
  document.body.append(iframe);
  const el = await waitFor(
    () => iframe.contentDocument?.querySelector("baw-book-builder") as BawBookBuilder | null,
    "the element",
  );
  return [iframe, el];
}

describe("the CDN bundle", () => {
  before(async function () {
    if (!(await fetch("/dist/cdn/baw-book-builder.js", { method: "HEAD" })).ok) this.skip();
  });

  it("books through the calendar to the checkout redirect", async () => {
    const api = await new MockApi().setup(bookable());
    const [iframe, el] = await host(attrs(api) as Record<string, string>);
    try {
      await waitForState(el, "calendar");
      const win = await waitFor(() => frame(el)?.contentWindow, "the calendar");
      await waitFor(() => frame(el)!.style.height === "900px", "the calendar to be ready");
      win.postMessage({ fakeCalendly: "schedule" }, "*");
      await waitForState(el, "redirecting");
      const navigations = (iframe.contentWindow as unknown as { navigations: string[] }).navigations;
      expect(navigations).to.deep.equal(["https://checkout.example/c/pay/cs_b0000000-0000-4000-8000-000000000001"]);
    } finally {
      iframe.remove();
    }
  });

  it("loads the after-checkout module and German on demand", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking() },
    });
    const [iframe, el] = await host({
      ...(attrs(api) as Record<string, string>),
      "booking-id": "b0000000-0000-4000-8000-000000000001",
      "booking-token": "t",
      locale: "de",
    });
    try {
      await waitForState(el, "confirmed");
      await waitFor(() => text(el).includes("Du bist gebucht"), "German");
      expect(text(el)).to.contain("Liam Builder");
      const chunks = iframe.contentWindow!.performance.getEntriesByType("resource").map((r) => r.name);
      expect(chunks.some((n) => n.endsWith("/dist/cdn/baw-book-builder.booking-result.js"))).to.equal(true);
      expect(chunks.some((n) => n.endsWith("/dist/cdn/baw-book-builder.de.js"))).to.equal(true);
    } finally {
      iframe.remove();
    }
  });
});
