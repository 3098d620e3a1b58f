import { expect } from "@esm-bundle/chai";
import type { BawBookBuilder } from "../src/baw-book-builder.js";
import {
  attrs,
  bookable,
  booking,
  calendarReady,
  control,
  created,
  events,
  frame,
  MockApi,
  mount,
  schedule,
  text,
  unmountAll,
  waitFor,
  waitForEvent,
  waitForState,
} from "./helpers.js";

afterEach(unmountAll);

describe("scheduled → creating-checkout → redirecting", () => {
  it("books, then sends the top window to exactly the service's checkoutUrl", async () => {
    const api = await new MockApi().setup(
      bookable({ "POST /v1/bookings": { ...created("b0000000-0000-4000-8000-000000000007"), delay: 150 } }),
    );
    const targets: string[] = [];
    const el = mount(attrs(api), (e) => {
      e.navigate = (url) => {
        targets.push(url);
        return true;
      };
    });
    await calendarReady(el);
    await schedule(el);
    await waitForState(el, "creating-checkout");
    const slot = events(el, "baw-slot-scheduled")[0];
    expect(slot.detail.attemptId).to.equal("att_1");
    expect(events(el, "baw-checkout-redirect"), "booked is not paid: no redirect yet").to.have.length(0);

    await waitForState(el, "redirecting");
    const [post] = await api.requests("POST", "/v1/bookings");
    expect(post.body).to.deep.equal({
      attemptId: "att_1",
      eventUri: slot.detail.eventUri,
      inviteeUri: slot.detail.inviteeUri,
    });
    expect(post.contentType).to.equal("application/json");
    const redirect = events(el, "baw-checkout-redirect")[0];
    expect(redirect.detail.checkoutUrl).to.equal(
      "https://checkout.example/c/pay/cs_b0000000-0000-4000-8000-000000000007",
    );
    expect(redirect.detail.bookingId).to.equal("b0000000-0000-4000-8000-000000000007");
    expect(targets).to.deep.equal(["https://checkout.example/c/pay/cs_b0000000-0000-4000-8000-000000000007"]);
    expect(events(el, "baw-booking-confirmed"), "paid comes later").to.have.length(0);
    expect(events(el, "baw-state-change").map((e) => e.detail.state)).to.deep.equal([
      "loading",
      "calendar",
      "creating-checkout",
      "redirecting",
    ]);
  });

  it("does not navigate when the host cancels baw-checkout-redirect, and watches the booking instead", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": [
          { body: booking({ status: "PENDING_PAYMENT" }) },
          { body: booking() },
        ],
      }),
    );
    const targets: string[] = [];
    const el = mount(attrs(api), (e) => {
      e.navigate = (url) => {
        targets.push(url);
        return true;
      };
      e.addEventListener("baw-checkout-redirect", (ev) => ev.preventDefault());
    });
    await calendarReady(el);
    await schedule(el);
    await waitForState(el, "confirmed");
    expect(targets).to.deep.equal([]);
    const gets = await api.requests("GET", "/v1/bookings/b0000000-0000-4000-8000-000000000001");
    expect(gets[0].authorization).to.equal("Bearer tok_b0000000-0000-4000-8000-000000000001");
  });

  it("offers checkout in a new tab when top navigation is blocked (sandboxed iframe), then polls to confirmed", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": [
          { body: booking({ status: "PENDING_PAYMENT" }) },
          { body: booking() },
        ],
      }),
    );
    const iframe = document.createElement("iframe");
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin");
    iframe.style.cssText = "width:800px;height:900px";
    const q = new URLSearchParams(attrs(api) as Record<string, string>);
    iframe.src = `/test/fixtures/sandboxed-host.html?${q}`;
    document.body.append(iframe);
    try {
      const el = await waitFor(
        () => iframe.contentDocument?.querySelector("baw-book-builder") as BawBookBuilder | null,
        "the element in the sandboxed frame",
      );
      await waitForState(el, "calendar");
      const win = await waitFor(() => frame(el)?.contentWindow, "calendar iframe");
      await waitFor(() => el.shadowRoot!.querySelector("iframe")?.style.height === "900px", "calendar ready");
      const scheduled = new Promise<void>((resolve) => {
        iframe.contentWindow!.addEventListener("message", (e) => {
          if (e.source === win && e.data?.event === "calendly.event_scheduled") resolve();
        });
      });
      win.postMessage({ fakeCalendly: "schedule" }, "*");
      await scheduled;
      await waitForState(el, "redirecting");
      const link = await waitFor(() => el.shadowRoot!.querySelector<HTMLAnchorElement>("a[target=_blank]"), "link");
      expect(link.textContent).to.equal("Open checkout in a new tab");
      expect(link.href).to.equal("https://checkout.example/c/pay/cs_b0000000-0000-4000-8000-000000000001");
      expect(link.rel).to.equal("noopener");
      expect(location.pathname, "the test page is still here").to.not.contain("checkout");
      await waitForState(el, "confirmed", 6000);
    } finally {
      iframe.remove();
    }
  });

  it("never spins in redirecting: if the page is still here after the checkout timeout, it offers the link", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": [
          { body: booking({ status: "PENDING_PAYMENT" }) },
          { body: booking() },
        ],
      }),
    );
    const el = mount(attrs(api), (e) => {
      e.navigate = () => true; // claims to navigate, but the page stays
      e.timeouts = { checkout: 300 };
    });
    await calendarReady(el);
    await schedule(el);
    await waitForState(el, "redirecting");
    expect(el.shadowRoot!.querySelector("a[target=_blank]") === null, "no link at first").to.equal(true);
    const link = await waitFor(() => el.shadowRoot!.querySelector<HTMLAnchorElement>("a[target=_blank]"), "link");
    expect(link.href).to.equal("https://checkout.example/c/pay/cs_b0000000-0000-4000-8000-000000000001");
    await waitForState(el, "confirmed");
  });

  it("shows a retryable error for 503 and re-posts the same body once, however often Retry is clicked", async () => {
    const api = await new MockApi().setup(
      bookable({
        "POST /v1/bookings": [
          {
            status: 503,
            body: {
              statusCode: 503,
              error: "calendly_unavailable",
              message: "Calendly is not answering.",
              retryable: true,
            },
          },
          created(),
        ],
      }),
    );
    const el = mount(attrs(api));
    await calendarReady(el);
    await schedule(el);
    await waitForEvent(el, "baw-error");
    expect(events(el, "baw-error")[0].detail).to.deep.equal({
      code: "calendly_unavailable",
      message: "Calendly is not answering.",
      retryable: true,
      state: "creating-checkout",
    });
    expect(text(el)).to.contain("Calendly is not answering.");
    const retry = control(el, "Retry")!;
    retry.click();
    retry.click();
    retry.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    await waitForState(el, "redirecting");
    const posts = await api.requests("POST", "/v1/bookings");
    expect(posts).to.have.length(2);
    expect(posts[1].body).to.deep.equal(posts[0].body);
  });

  it("stops on 422 booking_not_verified: the service's message, no Retry, no second request", async () => {
    const api = await new MockApi().setup(
      bookable({
        "POST /v1/bookings": {
          status: 422,
          body: {
            statusCode: 422,
            error: "booking_not_verified",
            message: "Calendly has no invitee for this attempt (inviteeUri).",
          },
        },
      }),
    );
    const el = mount(attrs(api));
    await calendarReady(el);
    await schedule(el);
    await waitForEvent(el, "baw-error");
    expect(text(el)).to.contain("Calendly has no invitee for this attempt (inviteeUri).");
    expect(control(el, "Retry")).to.equal(undefined);
    expect(control(el, "Book another time"), "a way forward").to.not.equal(undefined);
    expect(events(el, "baw-error")[0].detail).to.include({ code: "booking_not_verified", retryable: false });
    await new Promise((r) => setTimeout(r, 300)); // give a wrong auto-retry the chance to happen
    expect(await api.requests("POST", "/v1/bookings")).to.have.length(1);
  });

  it("times out creating checkout into a retryable error", async () => {
    const api = await new MockApi().setup(bookable({ "POST /v1/bookings": { ...created(), delay: 1500 } }));
    const el = mount(attrs(api), (e) => {
      e.timeouts = { checkout: 200 };
    });
    await calendarReady(el);
    await schedule(el);
    await waitForEvent(el, "baw-error");
    expect(events(el, "baw-error")[0].detail).to.deep.include({ code: "timeout", retryable: true });
    expect(control(el, "Retry")).to.not.equal(undefined);
  });
});
