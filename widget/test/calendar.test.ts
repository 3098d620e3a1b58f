import { expect } from "@esm-bundle/chai";
import {
  attempt,
  attrs,
  bookable,
  CALENDLY_ORIGIN,
  calendarReady,
  config,
  created,
  events,
  FAKE_CALENDLY,
  frame,
  MockApi,
  messageFrom,
  mount,
  schedule,
  sessionType,
  text,
  unmountAll,
  waitFor,
  waitForEvent,
  waitForState,
} from "./helpers.js";

afterEach(unmountAll);

describe("loading → calendar", () => {
  it("fetches the config with the site key, creates an attempt and embeds Calendly with the right URL", async () => {
    const api = await new MockApi().setup(
      bookable({
        "POST /v1/booking-attempts": attempt("att_42", { name: "From Service" }),
      }),
    );
    const el = mount(
      attrs(api, {
        email: "ada@example.com",
        name: "Ignored Because The Service Set It",
        "utm-source": "newsletter",
        "utm-medium": "email",
        "utm-campaign": "spring",
        "utm-term": "rust",
        "hide-details": true,
        "primary-color": "#ff0000",
      }),
      (e) => {
        e.prefill = { a1: "Answer one", guests: ["g1@example.com", "g2@example.com"], firstName: "Ada" };
      },
    );
    expect(el.getAttribute("state")).to.equal("loading");
    await calendarReady(el);

    const [cfg] = await api.requests("GET", "/v1/builders/liam/booking-config");
    expect(cfg.siteKey).to.equal("pk_test_1");
    expect(cfg.query, "the element never asks for a session type").to.equal("");
    const [att] = await api.requests("POST", "/v1/booking-attempts");
    expect(att.body).to.deep.equal({ builder: "liam", sessionTypeId: "5e000000-0000-4000-8000-000000000060" });
    expect(att.siteKey).to.equal("pk_test_1");

    const src = new URL(frame(el)!.src);
    expect(src.origin + src.pathname).to.equal(FAKE_CALENDLY);
    const q = src.searchParams;
    expect(q.get("utm_content"), "the attempt id is never overwritten").to.equal("att_42");
    expect(q.get("embed_type")).to.equal("Inline");
    expect(q.get("embed_domain")).to.equal(location.host);
    expect(q.get("name"), "the service's prefill wins").to.equal("From Service");
    expect(q.get("email")).to.equal("ada@example.com");
    expect(q.get("first_name")).to.equal("Ada");
    expect(q.get("a1")).to.equal("Answer one");
    expect(q.get("guests")).to.equal("g1@example.com,g2@example.com");
    expect(q.get("utm_source")).to.equal("newsletter");
    expect(q.get("utm_medium")).to.equal("email");
    expect(q.get("utm_campaign")).to.equal("spring");
    expect(q.get("utm_term")).to.equal("rust");
    expect(q.get("hide_event_type_details")).to.equal("1");
    expect(q.get("hide_gdpr_banner")).to.equal("1");
    expect(q.get("primary_color")).to.equal("ff0000");
    expect(frame(el)!.title).to.contain("Liam Builder");
  });

  it("reports ready on Calendly's first message (not the iframe load) and sizes itself from page_height, clamped", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api));
    await calendarReady(el);
    expect(events(el, "baw-ready")).to.have.length(1);
    await waitFor(() => frame(el)!.style.height === "900px", "height 900px");

    const win = frame(el)!.contentWindow!;
    let seen = messageFrom(win, "calendly.page_height");
    win.postMessage({ fakeCalendly: "height", value: "5000px" }, "*");
    await seen;
    await waitFor(() => frame(el)!.style.height === "1400px", "height clamped to 1400px");
    seen = messageFrom(win, "calendly.page_height");
    win.postMessage({ fakeCalendly: "height", value: "12px" }, "*");
    await seen;
    await waitFor(() => frame(el)!.style.height === "400px", "height clamped to 400px");
    expect(events(el, "baw-ready"), "ready fires once").to.have.length(1);
  });

  it("uses the service's calendly.origin when no calendly-origin attribute is set", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount({ builder: "liam", "site-key": "pk_test_1", "api-base": api.base });
    await calendarReady(el);
  });

  it("turns a calendar that never talks into an error with Retry and Open in Calendly", async () => {
    const api = await new MockApi().setup(bookable({ "POST /v1/booking-attempts": attempt("att_s", { silent: "1" }) }));
    const el = mount(attrs(api), (e) => {
      e.timeouts = { ready: 300 };
    });
    await waitForState(el, "calendar");
    await waitFor(() => frame(el), "iframe");
    await waitForEvent(el, "baw-error");
    expect(events(el, "baw-ready")).to.have.length(0);
    const err = events(el, "baw-error")[0];
    expect(err.detail).to.deep.include({ code: "ready_timeout", retryable: true, state: "calendar" });
    expect(text(el)).to.contain("The calendar didn't load.");

    const open = [...el.shadowRoot!.querySelectorAll("a")].find((a) => a.textContent === "Open in Calendly")!;
    expect(open.target).to.equal("_blank");
    expect(open.rel).to.equal("noopener");
    const direct = new URL(open.href);
    expect(direct.searchParams.get("utm_content")).to.equal("att_s");
    expect(direct.searchParams.has("embed_type")).to.equal(false);
    expect(direct.searchParams.has("embed_domain")).to.equal(false);

    const retry = [...el.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent === "Retry")!;
    retry.click();
    await waitForState(el, "calendar");
    await waitFor(() => frame(el), "a new iframe");
    await waitForEvent(el, "baw-error", 2);
    expect(events(el, "baw-error")).to.have.length(2);
  });

  it("after Open in Calendly, watches the attempt and goes on to checkout in this tab once it is booked", async () => {
    const eventUri = "https://api.calendly.com/scheduled_events/EVT_TAB";
    const inviteeUri = `${eventUri}/invitees/INV_TAB`;
    const outcome = "GET /v1/booking-attempts/att_w/outcome";
    const api = await new MockApi().setup(
      bookable({
        "POST /v1/booking-attempts": attempt("att_w", { silent: "1" }),
        [outcome]: [
          { body: { status: "waiting", expiresAt: new Date(Date.now() + 3600_000).toISOString() } },
          { body: { status: "waiting", expiresAt: new Date(Date.now() + 3600_000).toISOString() } },
          { body: { status: "booked", eventUri, inviteeUri } },
        ],
        "POST /v1/bookings": created("b0000000-0000-4000-8000-00000000007a"),
      }),
    );
    const targets: string[] = [];
    const el = mount(attrs(api), (e) => {
      e.timeouts = { ready: 300, watchEvery: 50 };
      e.navigate = (url) => {
        targets.push(url);
        return true;
      };
    });
    await waitForEvent(el, "baw-error");
    const open = [...el.shadowRoot!.querySelectorAll("a")].find((a) => a.textContent === "Open in Calendly")!;
    open.addEventListener("click", (e) => e.preventDefault()); // no real tab in this test
    open.click();
    await waitForState(el, "calendar");
    expect(text(el)).to.contain("Pick your time in the Calendly tab. Once it's booked, payment continues here.");
    expect(frame(el), "no frame while the visitor books in the other tab").to.equal(null);

    await waitForState(el, "redirecting");
    expect(await api.requests("GET", "/v1/booking-attempts/att_w/outcome")).to.have.length(3);
    const [post] = await api.requests("POST", "/v1/bookings");
    expect(post.body).to.deep.equal({ attemptId: "att_w", eventUri, inviteeUri });
    expect(targets).to.deep.equal(["https://checkout.example/c/pay/cs_b0000000-0000-4000-8000-00000000007a"]);
    expect(events(el, "baw-slot-scheduled")[0].detail).to.deep.include({ attemptId: "att_w", inviteeUuid: "INV_TAB" });
    expect(events(el, "baw-state-change").map((e) => e.detail.state)).to.deep.equal([
      "loading",
      "calendar",
      "error",
      "calendar",
      "creating-checkout",
      "redirecting",
    ]);
  });

  it("stops watching after a while with a clear message, and Retry watches again", async () => {
    const api = await new MockApi().setup(
      bookable({
        "POST /v1/booking-attempts": attempt("att_t", { silent: "1" }),
        "GET /v1/booking-attempts/att_t/outcome": {
          body: { status: "waiting", expiresAt: new Date(Date.now() + 3600_000).toISOString() },
        },
      }),
    );
    const el = mount(attrs(api), (e) => {
      e.timeouts = { ready: 300, watch: 400, watchEvery: 100 };
    });
    await waitForEvent(el, "baw-error");
    const open = [...el.shadowRoot!.querySelectorAll("a")].find((a) => a.textContent === "Open in Calendly")!;
    open.addEventListener("click", (e) => e.preventDefault());
    open.click();
    await waitForState(el, "calendar");
    await waitForEvent(el, "baw-error", 2);
    expect(events(el, "baw-error")[1].detail).to.deep.include({ code: "watch_timeout", retryable: true });
    expect(text(el)).to.contain("No booking arrived from the Calendly tab.");
    const reads = async () => (await api.requests("GET", "/v1/booking-attempts/att_t/outcome")).length;
    const atEnd = await reads();
    await new Promise((r) => setTimeout(r, 350)); // more than three read intervals
    expect(await reads(), "no reads once the watch has ended").to.equal(atEnd);
    const retry = [...el.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent === "Retry")!;
    retry.click();
    await waitForState(el, "calendar");
    expect(frame(el), "watching again, not the frame").to.equal(null);
  });

  it("lists several session types, and books the one picked", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/builders/liam/booking-config": {
          body: config({
            sessionTypes: [
              sessionType("5e000000-0000-4000-8000-000000000030", "Quick call", 3000),
              sessionType("5e000000-0000-4000-8000-000000000060", "Deep dive"),
            ],
          }),
        },
      }),
    );
    const el = mount(attrs(api));
    await waitForState(el, "choose-session-type");
    await waitFor(() => el.shadowRoot!.querySelector("[part=session-type]"), "the session types");
    const buttons = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>("[part=session-type]")];
    expect(buttons.map((b) => b.textContent!.replace(/\s+/g, " ").trim())).to.deep.equal([
      "Quick call · 60 min · $30.00",
      "Deep dive · 60 min · $60.00",
    ]);
    buttons[1].click();
    await calendarReady(el);
    const [att] = await api.requests("POST", "/v1/booking-attempts");
    expect((att.body as { sessionTypeId: string }).sessionTypeId).to.equal("5e000000-0000-4000-8000-000000000060");
  });

  it("skips the choice when session-type preselects one", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/builders/liam/booking-config": {
          body: config({
            sessionTypes: [
              sessionType("5e000000-0000-4000-8000-000000000030", "Quick call"),
              sessionType("5e000000-0000-4000-8000-000000000060", "Deep dive"),
            ],
          }),
        },
      }),
    );
    const el = mount(attrs(api, { "session-type": "5e000000-0000-4000-8000-000000000030" }));
    await calendarReady(el);
    expect(events(el, "baw-state-change").map((e) => e.detail.state)).to.not.include("choose-session-type");
    const [att] = await api.requests("POST", "/v1/booking-attempts");
    expect((att.body as { sessionTypeId: string }).sessionTypeId).to.equal("5e000000-0000-4000-8000-000000000030");
  });

  it("with lazy, creates no attempt and no iframe until the element nears the viewport", async () => {
    const api = await new MockApi().setup(bookable());
    const spacer = document.createElement("div");
    spacer.style.height = "4000px";
    document.body.append(spacer);
    try {
      const el = mount(attrs(api, { lazy: true }));
      await waitForState(el, "calendar");
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      expect(frame(el) === null, "no iframe yet").to.equal(true);
      expect(await api.requests("POST", "/v1/booking-attempts")).to.have.length(0);
      el.scrollIntoView();
      await calendarReady(el);
      expect(await api.requests("POST", "/v1/booking-attempts")).to.have.length(1);
    } finally {
      spacer.remove();
      scrollTo(0, 0);
    }
  });
});

describe("Calendly messages", () => {
  it("ignores event_scheduled from another window: a second same-origin iframe, and the page itself", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api));
    await calendarReady(el);

    const other = document.createElement("iframe");
    other.src = `${FAKE_CALENDLY}?embed_domain=${location.host}&invitee=FORGED1`;
    const otherReady = new Promise((r) => other.addEventListener("load", r));
    document.body.append(other);
    try {
      await otherReady;
      const forged = messageFrom(other.contentWindow, "calendly.event_scheduled");
      other.contentWindow!.postMessage({ fakeCalendly: "schedule" }, "*");
      await forged;
      // The page itself (right shape, wrong origin and source):
      const self = messageFrom(window, "calendly.event_scheduled");
      window.postMessage(
        {
          event: "calendly.event_scheduled",
          payload: {
            event: { uri: "https://api.calendly.com/scheduled_events/EVFORGED2" },
            invitee: { uri: "https://api.calendly.com/scheduled_events/EVFORGED2/invitees/FORGED2" },
          },
        },
        "*",
      );
      await self;
      expect(el.getAttribute("state")).to.equal("calendar");
      expect(events(el, "baw-slot-scheduled")).to.have.length(0);

      await schedule(el);
      await waitForState(el, "redirecting");
      const posts = await api.requests("POST", "/v1/bookings");
      expect(posts).to.have.length(1);
      const body = posts[0].body as { attemptId: string; inviteeUri: string };
      expect(body.attemptId).to.equal("att_1");
      expect(body.inviteeUri).to.not.contain("FORGED");
    } finally {
      other.remove();
    }
  });

  it("ignores messages from its own iframe when the iframe is not on the Calendly origin", async () => {
    // The element's iframe shows a page from the test page's own origin, while it expects CALENDLY_ORIGIN.
    const wrongOrigin = `${location.origin}/test/fixtures/fake-calendly.html?utm_content=att_x`;
    const api = await new MockApi().setup(
      bookable({
        "POST /v1/booking-attempts": {
          status: 201,
          body: {
            attemptId: "att_x",
            calendlyUrl: wrongOrigin,
            expiresAt: new Date(Date.now() + 3600_000).toISOString(),
          },
        },
      }),
    );
    const el = mount(attrs(api), (e) => {
      e.timeouts = { ready: 5000 };
    });
    await waitForState(el, "calendar");
    const win = await waitFor(() => frame(el)?.contentWindow, "iframe");
    await messageFrom(win, "calendly.page_height");
    const scheduled = messageFrom(win, "calendly.event_scheduled");
    win.postMessage({ fakeCalendly: "schedule" }, "*");
    const e = await scheduled;
    expect(e.origin).to.equal(location.origin);
    expect(e.origin).to.not.equal(CALENDLY_ORIGIN);
    expect(el.getAttribute("state")).to.equal("calendar");
    expect(events(el, "baw-ready")).to.have.length(0);
    expect(events(el, "baw-slot-scheduled")).to.have.length(0);
    expect(await api.requests("POST", "/v1/bookings")).to.have.length(0);
  });

  it("ignores malformed messages from the right iframe", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api));
    await calendarReady(el);
    // A same-origin page can't forge e.origin; but the element must still check the shape of what
    // Calendly sends. Simulate by dispatching MessageEvents whose origin and source are right.
    const win = frame(el)!.contentWindow!;
    for (const data of [
      "calendly.event_scheduled",
      { event: "calendly.event_scheduled", payload: null },
      { event: "calendly.event_scheduled", payload: [] },
      { event: "calendly.event_scheduled", payload: { event: {}, invitee: { uri: "https://x/y" } } },
      {
        event: "calendly.event_scheduled",
        payload: { event: { uri: "javascript:1" }, invitee: { uri: "https://x/y" } },
      },
      {
        event: "not-calendly.event_scheduled",
        payload: { event: { uri: "https://x/e" }, invitee: { uri: "https://x/i" } },
      },
    ]) {
      window.dispatchEvent(new MessageEvent("message", { data, origin: CALENDLY_ORIGIN, source: win }));
    }
    expect(el.getAttribute("state")).to.equal("calendar");
    expect(events(el, "baw-slot-scheduled")).to.have.length(0);
    // …and the same path with a valid shape is accepted:
    window.dispatchEvent(
      new MessageEvent("message", {
        data: {
          event: "calendly.event_scheduled",
          payload: {
            event: { uri: "https://api.calendly.com/scheduled_events/EV9" },
            invitee: { uri: "https://api.calendly.com/scheduled_events/EV9/invitees/INV9" },
          },
        },
        origin: CALENDLY_ORIGIN,
        source: win,
      }),
    );
    const slot = await waitForEvent(el, "baw-slot-scheduled");
    expect(slot.detail).to.deep.equal({
      attemptId: "att_1",
      eventUri: "https://api.calendly.com/scheduled_events/EV9",
      inviteeUri: "https://api.calendly.com/scheduled_events/EV9/invitees/INV9",
      eventUuid: "EV9",
      inviteeUuid: "INV9",
    });
  });

  it("makes one booking call for duplicate event_scheduled messages", async () => {
    const api = await new MockApi().setup(bookable({ "POST /v1/bookings": { ...created(), delay: 200 } }));
    const el = mount(attrs(api));
    await calendarReady(el);
    await schedule(el, 3);
    await waitForState(el, "redirecting");
    expect(await api.requests("POST", "/v1/bookings")).to.have.length(1);
    expect(events(el, "baw-slot-scheduled")).to.have.length(1);
  });

  it("dedupes event_scheduled by invitee URI even within one task", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api));
    await calendarReady(el);
    const win = frame(el)!.contentWindow!;
    const data = {
      event: "calendly.event_scheduled",
      payload: {
        event: { uri: "https://api.calendly.com/scheduled_events/EV5" },
        invitee: { uri: "https://api.calendly.com/scheduled_events/EV5/invitees/INV5" },
      },
    };
    for (let i = 0; i < 3; i++)
      window.dispatchEvent(new MessageEvent("message", { data, origin: CALENDLY_ORIGIN, source: win }));
    await waitForState(el, "redirecting");
    expect(events(el, "baw-slot-scheduled")).to.have.length(1);
    expect(await api.requests("POST", "/v1/bookings")).to.have.length(1);
  });

  it("keeps two elements on one page apart", async () => {
    const apiA = await new MockApi().setup(bookable({ "POST /v1/booking-attempts": attempt("att_A") }));
    const apiB = await new MockApi().setup(
      bookable({ "POST /v1/booking-attempts": attempt("att_B", { invitee: "B1" }) }),
    );
    const a = mount(attrs(apiA));
    const b = mount(attrs(apiB), (e) => {
      e.timeouts = { ready: 5000 };
    });
    await calendarReady(a);
    await calendarReady(b);
    expect(events(a, "baw-ready")).to.have.length(1);
    expect(events(b, "baw-ready")).to.have.length(1);

    await schedule(a);
    await waitForState(a, "redirecting");
    expect(b.getAttribute("state")).to.equal("calendar");
    expect(events(b, "baw-slot-scheduled")).to.have.length(0);
    expect(await apiB.requests("POST", "/v1/bookings")).to.have.length(0);
    const [post] = await apiA.requests("POST", "/v1/bookings");
    expect((post.body as { attemptId: string }).attemptId).to.equal("att_A");
    expect(events(b, "baw-ready"), "B did not hear A's messages").to.have.length(1);
  });

  it("removes its message listener when disconnected", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api));
    await calendarReady(el);
    const win = frame(el)!.contentWindow!;
    el.remove();
    // Not connected: no listener, so a valid scheduled message from its (detached) frame does nothing.
    window.dispatchEvent(
      new MessageEvent("message", {
        data: {
          event: "calendly.event_scheduled",
          payload: { event: { uri: "https://x/e/E" }, invitee: { uri: "https://x/i/I" } },
        },
        origin: CALENDLY_ORIGIN,
        source: win,
      }),
    );
    expect(events(el, "baw-slot-scheduled")).to.have.length(0);
  });
});
