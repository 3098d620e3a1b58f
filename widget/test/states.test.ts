import { expect } from "@esm-bundle/chai";
import {
  $,
  attempt,
  attrs,
  bookable,
  CALENDLY_ORIGIN,
  calendarReady,
  config,
  control,
  events,
  frame,
  MockApi,
  mount,
  text,
  unmountAll,
  waitFor,
  waitForEvent,
  waitForState,
} from "./helpers.js";

afterEach(unmountAll);

const calendlyRequests = () =>
  performance.getEntriesByType("resource").filter((r) => r.name.startsWith(CALENDLY_ORIGIN)).length;

describe("states", () => {
  it("demo: a message and a link to browse, with no calendar and no booking requests", async () => {
    const api = await new MockApi().setup({
      "GET /v1/builders/liam/booking-config": {
        body: config({ state: "demo", calendly: { url: "https://calendly.com/x", origin: CALENDLY_ORIGIN } }),
      },
    });
    const before = calendlyRequests();
    const el = mount(attrs(api, { "browse-url": "/builders" }));
    await waitForState(el, "demo");
    await waitFor(() => text(el).includes("Liam Builder is a demo profile and can't be booked."), "the demo view");
    const link = control(el, "Browse builders") as HTMLAnchorElement;
    expect(new URL(link.href).pathname).to.equal("/builders");
    await new Promise((r) => setTimeout(r, 200)); // a wrong late request would show up here
    expect(frame(el) === null, "no iframe").to.equal(true);
    expect((await api.log()).map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      "GET /v1/builders/liam/booking-config",
    ]);
    expect(calendlyRequests(), "no request to the Calendly origin").to.equal(before);
  });

  it("unavailable: shows the service's reason and a way back", async () => {
    const api = await new MockApi().setup({
      "GET /v1/builders/liam/booking-config": {
        body: config({ state: "unavailable", reason: "Liam is on holiday until May.", calendly: null }),
      },
    });
    const el = mount(attrs(api));
    await waitForState(el, "unavailable");
    await waitFor(() => text(el).includes("Liam is on holiday until May."), "the unavailable view");
    expect(control(el, "Browse builders")).to.not.equal(undefined);
    expect(await api.requests("POST", "/v1/booking-attempts")).to.have.length(0);
  });

  it("auth-required: fires baw-auth-required and continues once customer-token is set", async () => {
    const api = await new MockApi().setup(
      bookable({ "GET /v1/builders/liam/booking-config": { body: config({ requiresCustomer: true }) } }),
    );
    const onDocument: Event[] = [];
    document.addEventListener("baw-auth-required", (e) => onDocument.push(e), { once: true });
    const el = mount(attrs(api));
    await waitForState(el, "auth-required");
    const ev = await waitForEvent(el, "baw-auth-required");
    expect(ev.detail).to.deep.equal({ builder: "liam", code: "customer_token_required" });
    await waitFor(() => text(el).includes("Please sign in to book a session with Liam Builder."), "the sign-in view");
    expect(onDocument, "bubbles out of the element").to.have.length(1);
    expect(await api.requests("POST", "/v1/booking-attempts")).to.have.length(0);
    control(el, "Sign in")!.click();
    expect(events(el, "baw-auth-required")).to.have.length(2);

    el.setAttribute("customer-token", "ct_signed");
    await calendarReady(el);
    const [att] = await api.requests("POST", "/v1/booking-attempts");
    expect(att.body).to.deep.equal({
      builder: "liam",
      sessionTypeId: "5e000000-0000-4000-8000-000000000060",
      customerToken: "ct_signed",
    });
  });

  it("auth-required after a 401 from booking-attempts, and a new attempt for a new token", async () => {
    const api = await new MockApi().setup(
      bookable({
        "POST /v1/booking-attempts": [
          { status: 401, body: { statusCode: 401, error: "customer_token_invalid", message: "customerToken expired" } },
          attempt("att_2"),
        ],
      }),
    );
    const el = mount(attrs(api, { "customer-token": "ct_old" }));
    await waitForState(el, "auth-required");
    expect(events(el, "baw-auth-required")[0].detail.code).to.equal("customer_token_invalid");
    expect(text(el), "a refused token is said to be so").to.contain("Your sign-in has expired.");
    el.customerToken = "ct_new";
    await calendarReady(el);
    expect(new URL(frame(el)!.src).searchParams.get("utm_content")).to.equal("att_2");
    const bodies = (await api.requests("POST", "/v1/booking-attempts")).map((r) => r.body);
    expect(bodies).to.deep.equal([
      { builder: "liam", sessionTypeId: "5e000000-0000-4000-8000-000000000060", customerToken: "ct_old" },
      { builder: "liam", sessionTypeId: "5e000000-0000-4000-8000-000000000060", customerToken: "ct_new" },
    ]);
  });

  it("network errors are retryable; Retry loads again", async () => {
    const el = mount(attrs(new MockApi(), { "api-base": "http://127.0.0.1:9/nothing-listens-here" }));
    await waitForEvent(el, "baw-error");
    expect(events(el, "baw-error")[0].detail).to.deep.equal({
      code: "network",
      message: "Can't reach the booking service.",
      retryable: true,
      state: "loading",
    });
    const api = await new MockApi().setup(bookable());
    el.apiBase = api.base; // a new api-base reloads by itself
    await calendarReady(el);
  });

  it("API errors show the service's message; a retryable 500 recovers with Retry", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/builders/liam/booking-config": [
          {
            status: 500,
            body: { statusCode: 500, error: "internal", message: "The database is busy.", retryable: true },
          },
          { body: config() },
        ],
      }),
    );
    const el = mount(attrs(api));
    await waitForEvent(el, "baw-error");
    expect(text(el)).to.contain("The database is busy.");
    control(el, "Retry")!.click();
    await calendarReady(el);
  });

  it("403 (origin or site key) shows the message and makes no further request", async () => {
    const api = await new MockApi().setup({
      "GET /v1/builders/liam/booking-config": {
        status: 403,
        body: { statusCode: 403, error: "origin_not_allowed", message: "This site (origin) may not embed bookings." },
      },
    });
    const el = mount(attrs(api));
    await waitForEvent(el, "baw-error");
    expect(text(el)).to.contain("This site (origin) may not embed bookings.");
    expect(control(el, "Retry")).to.equal(undefined);
    expect(events(el, "baw-error")[0].detail).to.include({ code: "origin_not_allowed", retryable: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(await api.log()).to.have.length(1);
  });

  it("404 builder_not_found, in the visitor's words rather than the service's", async () => {
    const api = await new MockApi().setup({
      "GET /v1/builders/nobody/booking-config": {
        status: 404,
        body: { statusCode: 404, error: "builder_not_found", message: 'builder: no builder "nobody" exists' },
      },
    });
    const el = mount(attrs(api, { builder: "nobody" }));
    await waitForEvent(el, "baw-error");
    expect(text(el)).to.contain("There is no such builder here.");
    expect(text(el)).to.not.contain('no builder "nobody" exists');
    expect(control(el, "Browse builders")).to.not.equal(undefined);
  });

  it("the config fetch times out into an error (it never spins forever)", async () => {
    const api = await new MockApi().setup({ "GET /v1/builders/liam/booking-config": { body: config(), delay: 2000 } });
    const el = mount(attrs(api), (e) => {
      e.timeouts = { config: 200 };
    });
    await waitForState(el, "error", 1500);
    const error = await waitForEvent(el, "baw-error");
    expect(error.detail).to.deep.include({ code: "timeout", retryable: true, state: "loading" });
  });

  it("reflects its state on the host and reports changes with bubbling, composed events", async () => {
    const api = await new MockApi().setup(bookable());
    const host = document.createElement("div");
    const root = host.attachShadow({ mode: "open" });
    document.body.append(host);
    const seen: string[] = [];
    document.addEventListener("baw-state-change", (e) => seen.push(e.detail.state));
    try {
      const el = mount(attrs(api), undefined, root as unknown as HTMLElement);
      await calendarReady(el);
      expect(el.state).to.equal("calendar");
      expect(el.matches("[state=calendar]")).to.equal(true);
      expect(seen, "crossed the outer shadow root").to.include.members(["loading", "calendar"]);
      const ev = events(el, "baw-state-change")[1];
      expect(ev.detail).to.deep.equal({ state: "calendar", previous: "loading" });
      expect(ev.bubbles && ev.composed).to.equal(true);
    } finally {
      host.remove();
    }
  });

  it("has a polite live region announcing each state", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api));
    await el.updateComplete;
    const status = $(el, "[role=status]")!;
    expect(status.getAttribute("aria-live")).to.equal("polite");
    expect(status.textContent).to.contain("Loading");
    await calendarReady(el);
    expect($(el, "[role=status]") === status, "one region, updated in place (so it is announced)").to.equal(true);
    expect(status.textContent).to.contain("Pick a time with Liam Builder");
  });
});
