// The built CDN bundle (minified, private names mangled, chunks for German, the error view and the
// after-checkout module) does what the sources do, and without its chunks still ends every failure in
// a clear error state. `npm test` builds it first (pretest).
import { expect } from "@esm-bundle/chai";
import type { BawBookBuilder } from "../src/baw-book-builder.js";
import {
  attrs,
  bookable,
  booking,
  config,
  control,
  frame,
  MockApi,
  payFirstRoutes,
  text,
  waitFor,
  waitForState,
} from "./helpers.js";

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

/** The element from the CDN bundle served where its chunks cannot load (see web-test-runner.config.js). */
async function hostWithoutChunks(attributes: Record<string, string>): Promise<[HTMLIFrameElement, BawBookBuilder]> {
  const iframe = document.createElement("iframe");
  const html = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  const tag = Object.entries(attributes)
    .map(([k, v]) => `${k}="${html(v)}"`)
    .join(" ");
  // The page keeps every baw-error from the start (the helpers' log belongs to elements they mount).
  iframe.srcdoc = `<script>window.errors = []; addEventListener("baw-error", (e) => errors.push(e));</script>
    <script type="module" src="/cdn-without-chunks/baw-book-builder.js"></script>
    <baw-book-builder ${tag}></baw-book-builder>`;
  document.body.append(iframe);
  const el = await waitFor(
    () => iframe.contentDocument?.querySelector("baw-book-builder") as BawBookBuilder | null,
    "the element",
  );
  return [iframe, el];
}

/** Resource URLs the page in `iframe` has loaded. */
const loaded = (iframe: HTMLIFrameElement) =>
  iframe.contentWindow!.performance.getEntriesByType("resource").map((r) => r.name);

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
      expect(loaded(iframe).some((n) => n.endsWith("/dist/cdn/baw-book-builder.calendar-frame.js"))).to.equal(true);
      win.postMessage({ fakeCalendly: "schedule" }, "*");
      await waitForState(el, "redirecting");
      const navigations = (iframe.contentWindow as unknown as { navigations: string[] }).navigations;
      expect(navigations).to.deep.equal(["https://checkout.example/c/pay/cs_b0000000-0000-4000-8000-000000000001"]);
    } finally {
      iframe.remove();
    }
  });

  it("pay first: loads the picker on demand, reserves, and redirects to checkout", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const [iframe, el] = await host({ ...(attrs(api) as Record<string, string>), flow: "pay-first" });
    try {
      await waitForState(el, "pick-time");
      await waitFor(() => el.shadowRoot!.querySelectorAll("[role=option]").length, "the times");
      expect(loaded(iframe).some((n) => n.endsWith("/dist/cdn/baw-book-builder.slot-picker.js"))).to.equal(true);
      expect(loaded(iframe).some((n) => n.endsWith("/dist/cdn/baw-book-builder.calendar-frame.js"))).to.equal(false);
      el.shadowRoot!.querySelector<HTMLElement>("[role=option]")!.click();
      await waitFor(() => control(el, "Continue")?.hasAttribute("disabled") === false, "a time chosen");
      control(el, "Continue")!.click();
      await waitForState(el, "details");
      const input = (id: string) => waitFor(() => el.shadowRoot!.querySelector<HTMLInputElement>(`#${id}`), id);
      (await input("name")).value = "Ada";
      (await input("email")).value = "ada@example.com";
      (await input("q0")).value = "A shop";
      el.shadowRoot!.querySelector<HTMLInputElement>("[name=q2]")!.checked = true;
      control(el, "Continue to payment")!.click();
      await waitForState(el, "redirecting");
      const navigations = (iframe.contentWindow as unknown as { navigations: string[] }).navigations;
      await waitFor(() => navigations.length, "the redirect");
      expect(navigations).to.deep.equal(["https://checkout.example/c/pay/cs_b0000000-0000-4000-8000-000000000001"]);
    } finally {
      iframe.remove();
    }
  });

  it("an embedded page never loads the picker", async () => {
    const api = await new MockApi().setup(bookable());
    const [iframe, el] = await host(attrs(api) as Record<string, string>);
    try {
      await waitForState(el, "calendar");
      await waitFor(() => frame(el), "the calendar");
      expect(loaded(iframe).some((n) => n.includes("slot-picker"))).to.equal(false);
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

  it("loads the views of demo, unavailable, sign-in and the choice of session type on demand", async () => {
    const api = await new MockApi().setup({
      "GET /v1/builders/liam/booking-config": { body: config({ state: "demo" }) },
    });
    const [iframe, el] = await host(attrs(api) as Record<string, string>);
    try {
      await waitFor(() => text(el).includes("Liam Builder is a demo profile and can't be booked."), "the demo view");
      expect(loaded(iframe).some((n) => n.endsWith("/dist/cdn/baw-book-builder.start-views.js"))).to.equal(true);
      expect(loaded(iframe).some((n) => n.endsWith("/dist/cdn/baw-book-builder.calendar-frame.js"))).to.equal(false);
      expect(control(el, "Browse builders"), "a way forward").to.not.equal(undefined);
    } finally {
      iframe.remove();
    }
  });

  it("loads the error view on demand and fires baw-error once it shows the visitor's words", async () => {
    const api = await new MockApi().setup({
      "GET /v1/builders/nobody/booking-config": {
        status: 404,
        body: { statusCode: 404, error: "builder_not_found", message: 'builder: no builder "nobody" exists' },
      },
    });
    const [iframe, el] = await host({ ...(attrs(api) as Record<string, string>), builder: "nobody" });
    try {
      const error = await waitFor(() => (el.getAttribute("state") === "error" ? el : null), "the error state");
      await waitFor(() => text(error).includes("There is no such builder here."), "the error view");
      expect(loaded(iframe).some((n) => n.endsWith("/dist/cdn/baw-book-builder.error-view.js"))).to.equal(true);
      expect(control(el, "Browse builders"), "a way forward").to.not.equal(undefined);
    } finally {
      iframe.remove();
    }
  });

  it("without its chunks (offline), still ends in a plain error view with Retry and fires baw-error", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/builders/liam/booking-config": [
          { status: 503, body: { statusCode: 503, error: "busy", message: "Busy.", retryable: true } },
          { body: config() },
        ],
      }),
    );
    const [iframe, el] = await hostWithoutChunks(attrs(api) as Record<string, string>);
    try {
      const log = (iframe.contentWindow as unknown as { errors: CustomEvent[] }).errors;
      const error = await waitFor(() => log[0], "baw-error");
      expect(el.getAttribute("state")).to.equal("error");
      // Without the error view's words: the service's message, and a plain view with a way forward.
      expect(error.detail).to.deep.equal({ code: "busy", message: "Busy.", retryable: true, state: "loading" });
      expect(loaded(iframe).some((n) => n.endsWith("/cdn-without-chunks/baw-book-builder.error-view.js"))).to.equal(
        true,
      );
      const status = el.shadowRoot!.querySelector("[role=status]")!;
      expect(status.getAttribute("aria-live")).to.equal("polite");
      expect(status.textContent).to.contain("Something went wrong");
      expect(status.querySelector("[part=message]"), "online, the plain view says no more").to.equal(null);
      expect(el.shadowRoot!.querySelector("progress"), "no spinner").to.equal(null);
      // On to the calendar, whose frame cannot load either: the attempt fails as offline, with Retry.
      control(el, "Retry")!.click();
      const second = await waitFor(() => log[1], "the second baw-error");
      expect(second.detail).to.include({ code: "network", retryable: true, state: "calendar" });
      expect(await api.requests("POST", "/v1/booking-attempts")).to.have.length(1);
      expect(control(el, "Retry"), "a way forward").to.not.equal(undefined);
      expect(el.shadowRoot!.querySelector("progress"), "no spinner").to.equal(null);
    } finally {
      iframe.remove();
    }
  });

  it("pay first without its chunks (offline): the picker that cannot load ends in network with Retry, never a spinner", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const [iframe, el] = await hostWithoutChunks({ ...(attrs(api) as Record<string, string>), flow: "pay-first" });
    try {
      const log = (iframe.contentWindow as unknown as { errors: CustomEvent[] }).errors;
      const error = await waitFor(() => log[0], "baw-error");
      expect(error.detail).to.include({ code: "network", retryable: true, state: "pick-time" });
      expect(el.getAttribute("state")).to.equal("error");
      expect(control(el, "Retry"), "a way forward").to.not.equal(undefined);
      expect(el.shadowRoot!.querySelector("progress"), "no spinner").to.equal(null);
    } finally {
      iframe.remove();
    }
  });

  it("without its chunks, a failure that Retry cannot cure offers to start again, and a view that cannot load ends in a plain error with Retry", async () => {
    const api = await new MockApi().setup({
      "GET /v1/builders/liam/booking-config": [
        { status: 404, body: { statusCode: 404, error: "builder_not_found", message: "No builder liam." } },
        { body: config({ state: "demo" }) },
      ],
    });
    const [iframe, el] = await hostWithoutChunks(attrs(api) as Record<string, string>);
    try {
      const log = (iframe.contentWindow as unknown as { errors: CustomEvent[] }).errors;
      await waitFor(() => log[0], "baw-error");
      // The element's words for the code came with the error view: baw-error carries the service's.
      expect(log[0].detail).to.deep.equal({
        code: "builder_not_found",
        message: "No builder liam.",
        retryable: false,
        state: "loading",
      });
      expect(text(el)).to.not.contain("There is no such builder here.");
      control(el, "Retry")!.click();
      // The demo's view cannot load: it is a failure like an unreachable service (Retry, and by itself once online).
      const second = await waitFor(() => log[1], "the second baw-error");
      expect(second.detail).to.include({ code: "network", retryable: true, state: "demo" });
      expect(el.getAttribute("state")).to.equal("error");
      expect(control(el, "Retry"), "a way forward").to.not.equal(undefined);
      expect(el.shadowRoot!.querySelector("progress"), "no spinner").to.equal(null);
    } finally {
      iframe.remove();
    }
  });
});
