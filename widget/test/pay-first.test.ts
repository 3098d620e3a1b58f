// Pay first in the element: its own picker (keyboard, labels, time zones, German, a phone's width),
// the visitor's details, the reservation and its refusals, against the mock service.
import { expect } from "@esm-bundle/chai";
import { sendKeys, setViewport } from "@web/test-runner-commands";
import type { BawBookBuilder } from "../src/baw-book-builder.js";
import {
  $,
  $$,
  attempt,
  attrs,
  availableTimes,
  axeViolations,
  config,
  control,
  created,
  events,
  MockApi,
  mount,
  payFirstRoutes,
  text,
  unmountAll,
  waitFor,
  waitForEvent,
  waitForState,
} from "./helpers.js";

afterEach(async () => {
  unmountAll();
  await setViewport({ width: 800, height: 600 });
});

const BOOKING = "b0000000-0000-4000-8000-000000000001";

/** The element inside the shadow root that has focus, if any. */
const focused = (el: HTMLElement) => el.shadowRoot!.activeElement as HTMLElement | null;
const options = (el: HTMLElement) => $$(el, "[role=option]");
const tabs = (el: HTMLElement) => $$(el, "[role=tab]");
const status = (el: HTMLElement) => $(el, "[role=status]")!.textContent!.replace(/\s+/g, " ").trim();

/** Mounts a pay-first element and waits for the picker's times. */
async function picker(api: MockApi, more: Record<string, string> = {}, before?: (el: BawBookBuilder) => void) {
  const el = mount(attrs(api, { flow: "pay-first", ...more }), before);
  await waitForState(el, "pick-time");
  await waitFor(() => options(el).length, "the times");
  return el;
}

/** Shows times in `zone`, as the visitor would with the select. */
async function chooseZone(el: BawBookBuilder, zone: string) {
  const select = $<HTMLSelectElement>(el, "select[part=zone]")!;
  select.value = zone;
  select.dispatchEvent(new Event("change"));
  await el.updateComplete;
}

const hhmm = (iso: string, zone: string, locale = "en") =>
  new Intl.DateTimeFormat(locale, { timeZone: zone, hour: "numeric", minute: "2-digit" }).format(new Date(iso));

/** Fills the form's fields by name (checkboxes and radios by value). */
function fill(el: BawBookBuilder, values: Record<string, string | string[]>) {
  for (const [name, value] of Object.entries(values)) {
    const controls = $$<HTMLInputElement>(el, `[name="${name}"]`);
    if (controls[0]?.type === "checkbox" || controls[0]?.type === "radio") {
      for (const c of controls) c.checked = [value].flat().includes(c.value);
    } else controls[0]!.value = value as string;
  }
}

describe("pay first: the picker", () => {
  it("asks the service for the first week's times, with the site key", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const before = Date.now();
    await picker(api);
    const [get] = await api.requests("GET", "/v1/builders/liam/available-times");
    const q = new URLSearchParams(get!.query);
    expect(get!.siteKey).to.equal("pk_test_1");
    expect(q.get("sessionTypeId")).to.equal("5e000000-0000-4000-8000-000000000060");
    const from = Date.parse(q.get("from")!);
    expect(from).to.be.within(before - 1000, Date.now());
    expect(Date.parse(q.get("to")!) - from).to.equal(7 * 86_400_000);
    expect(await api.requests("POST", "/v1/booking-attempts"), "no calendar").to.have.length(0);
  });

  it("has labelled days (tabs) and times (listbox) with one tab stop each, and moves with arrows, Home and End", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const el = await picker(api);
    await chooseZone(el, "UTC");
    const times = availableTimes().times.map((t) => t.startTime);

    const tablist = $(el, "[role=tablist]")!;
    expect(tablist.getAttribute("aria-label")).to.equal("Days");
    expect(tabs(el)).to.have.length(2);
    expect(tabs(el).map((t) => t.tabIndex)).to.deep.equal([0, -1]);
    expect(tabs(el)[0]!.getAttribute("aria-selected")).to.equal("true");
    const listbox = $(el, "[role=listbox]")!;
    expect(listbox.getAttribute("aria-label")).to.match(/^Times on \w+/);
    expect($(el, "[role=tabpanel]")!.getAttribute("aria-labelledby")).to.equal(tabs(el)[0]!.id);
    expect(options(el).map((o) => o.tabIndex)).to.deep.equal([0, -1]);
    expect(options(el).map((o) => o.textContent!.trim())).to.deep.equal([
      hhmm(times[0]!, "UTC"),
      hhmm(times[1]!, "UTC"),
    ]);
    expect($(el, "label.zone")!.textContent).to.contain("Time zone");

    options(el)[0]!.focus();
    await sendKeys({ press: "ArrowDown" });
    await el.updateComplete;
    expect(focused(el)).to.equal(options(el)[1]);
    expect(options(el)[1]!.getAttribute("aria-selected")).to.equal("true");
    expect(options(el).map((o) => o.tabIndex)).to.deep.equal([-1, 0]);
    const selected = await waitForEvent(el, "baw-slot-selected");
    expect(selected.detail).to.deep.equal({ startTime: times[1], timezone: "UTC" });
    // The chosen time is announced in the live region.
    expect(status(el)).to.contain("Selected:");
    expect(status(el)).to.contain(hhmm(times[1]!, "UTC"));

    await sendKeys({ press: "Home" });
    await el.updateComplete;
    expect(focused(el)).to.equal(options(el)[0]);
    expect(options(el)[0]!.getAttribute("aria-selected")).to.equal("true");
    await sendKeys({ press: "End" });
    await el.updateComplete;
    expect(focused(el)).to.equal(options(el)[1]);
    await sendKeys({ press: "ArrowDown" });
    await el.updateComplete;
    expect(focused(el), "the times stop at the end").to.equal(options(el)[1]);

    tabs(el)[0]!.focus();
    await sendKeys({ press: "ArrowRight" });
    await el.updateComplete;
    expect(focused(el)).to.equal(tabs(el)[1]);
    expect(tabs(el)[1]!.getAttribute("aria-selected")).to.equal("true");
    expect(options(el).map((o) => o.textContent!.trim())).to.deep.equal([hhmm(times[2]!, "UTC")]);
    await sendKeys({ press: "ArrowRight" });
    await el.updateComplete;
    expect(focused(el), "the days wrap around").to.equal(tabs(el)[0]);
    await sendKeys({ press: "End" });
    await el.updateComplete;
    expect(focused(el)).to.equal(tabs(el)[1]);

    // Enter on a time picks it too.
    options(el)[0]!.focus();
    await sendKeys({ press: "Enter" });
    await waitForEvent(el, "baw-slot-selected", 4);
    expect(events(el, "baw-slot-selected").at(-1)!.detail.startTime).to.equal(times[2]);
  });

  it("shows times in the visitor's time zone, and again in the one they choose", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const el = await picker(api);
    const detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const select = $<HTMLSelectElement>(el, "select[part=zone]")!;
    expect(select.value).to.equal(detected);
    const zones = [...select.options].map((o) => o.value);
    expect(zones).to.include.members([detected, "UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]);
    expect(new Set(zones).size, "each zone once").to.equal(zones.length);

    const first = availableTimes().times[0]!.startTime;
    await chooseZone(el, "UTC");
    expect(options(el)[0]!.textContent!.trim()).to.equal(hhmm(first, "UTC"));
    await chooseZone(el, "Asia/Tokyo");
    expect(options(el)[0]!.textContent!.trim()).to.equal(hhmm(first, "Asia/Tokyo"));
    expect(hhmm(first, "Asia/Tokyo")).to.not.equal(hhmm(first, "UTC"));

    options(el)[0]!.click();
    const selected = await waitForEvent(el, "baw-slot-selected");
    expect(selected.detail.timezone).to.equal("Asia/Tokyo");
  });

  it("speaks German, with German dates", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const el = await picker(api, { locale: "de" });
    await waitFor(() => text(el).includes("Zeit mit Liam Builder wählen"), "German");
    await chooseZone(el, "Europe/Berlin");
    expect(text(el)).to.contain("Zeitzone");
    expect(control(el, "Später")).to.not.equal(undefined);
    expect($(el, "[role=tablist]")!.getAttribute("aria-label")).to.equal("Tage");
    const first = availableTimes().times[0]!.startTime;
    const day = new Intl.DateTimeFormat("de", {
      timeZone: "Europe/Berlin",
      weekday: "long",
      month: "long",
      day: "numeric",
    }).format(new Date(first));
    expect($(el, "[role=listbox]")!.getAttribute("aria-label")).to.equal(`Zeiten am ${day}`);
    expect(options(el)[0]!.textContent!.trim()).to.equal(hhmm(first, "Europe/Berlin", "de"));
    options(el)[0]!.click();
    await el.updateComplete;
    control(el, "Weiter")!.click();
    await waitForState(el, "details");
    await el.updateComplete;
    expect(text(el)).to.contain("Deine Angaben");
    expect(text(el)).to.contain("Weiter zur Bezahlung");
    control(el, "Weiter zur Bezahlung")!.click();
    await waitFor(() => text(el).includes("Bitte ausfüllen."), "the German errors");
  });

  it("pages the weeks (never before now) and says so when a week has no times", async () => {
    const api = await new MockApi().setup(
      payFirstRoutes({
        "GET /v1/builders/liam/available-times": [{ body: availableTimes({ times: [] }) }, { body: availableTimes() }],
      }),
    );
    const el = mount(attrs(api, { flow: "pay-first" }));
    await waitForState(el, "pick-time");
    await waitFor(() => status(el).includes("No free times this week."), "the empty week's message");
    expect(control(el, "Earlier")!.hasAttribute("disabled")).to.equal(true);
    control(el, "Next week")!.click();
    await waitFor(() => options(el).length, "the next week's times");
    const [first, second] = await api.requests("GET", "/v1/builders/liam/available-times");
    const from = (r: typeof first) => Date.parse(new URLSearchParams(r!.query).get("from")!);
    expect(from(second) - from(first)).to.equal(7 * 86_400_000);
    expect(control(el, "Earlier")!.hasAttribute("disabled")).to.equal(false);
  });

  it("fits a 390 px phone without scrolling sideways", async () => {
    await setViewport({ width: 390, height: 800 });
    const api = await new MockApi().setup(payFirstRoutes());
    const el = await picker(api);
    await chooseZone(el, "America/Los_Angeles");
    const fits = () => {
      const over = [...el.shadowRoot!.querySelectorAll<HTMLElement>("*")].filter(
        (n) => n.getBoundingClientRect().right > 390.5,
      );
      expect(over.map((n) => n.outerHTML.slice(0, 60))).to.deep.equal([]);
      expect(document.documentElement.scrollWidth).to.be.at.most(390);
    };
    fits();
    options(el)[0]!.click();
    await el.updateComplete;
    control(el, "Continue")!.click();
    await waitForState(el, "details");
    await el.updateComplete;
    fits();
  });

  it("is axe-clean: the picker, the form, and the form with its errors", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const el = await picker(api);
    expect(await axeViolations(el), "picker").to.deep.equal([]);
    options(el)[0]!.click();
    await el.updateComplete;
    expect(await axeViolations(el), "picker with a time chosen").to.deep.equal([]);
    control(el, "Continue")!.click();
    await waitForState(el, "details");
    await el.updateComplete;
    expect(await axeViolations(el), "form").to.deep.equal([]);
    control(el, "Continue to payment")!.click();
    await waitFor(() => $(el, "[part=field-error]"), "the errors");
    expect(await axeViolations(el), "form with errors").to.deep.equal([]);
  });
});

describe("pay first: the details and the reservation", () => {
  it("labels every field, asks the questions with their own controls, and enforces the required ones", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const el = await picker(api, { name: "Ada Lovelace" });
    options(el)[1]!.click();
    await el.updateComplete;
    control(el, "Continue")!.click();
    await waitForState(el, "details");
    await el.updateComplete;

    const label = (id: string) => $(el, `label[for="${id}"]`)?.textContent?.trim();
    expect(label("name")).to.equal("Name");
    expect(label("email")).to.equal("E-mail");
    expect(label("q0")).to.equal("What should we build?");
    expect(label("q1")).to.equal("Phone (optional)");
    expect($(el, "#q0")!.tagName).to.equal("TEXTAREA");
    expect($<HTMLInputElement>(el, "#q1")!.type).to.equal("tel");
    expect($$<HTMLInputElement>(el, "[name=q2]").map((c) => c.type)).to.deep.equal([
      "checkbox",
      "checkbox",
      "checkbox",
    ]);
    expect($$<HTMLInputElement>(el, "[name=q3]").map((c) => c.type)).to.deep.equal(["radio", "radio"]);
    expect($$(el, "fieldset legend").map((l) => l.textContent!.trim())).to.deep.equal(["Stack", "Level (optional)"]);
    expect($<HTMLInputElement>(el, "#name")!.value, "the name attribute prefills").to.equal("Ada Lovelace");

    fill(el, { email: "not-an-address" });
    control(el, "Continue to payment")!.click();
    await waitFor(() => $$(el, "[part=field-error]").length === 3, "three errors");
    expect(status(el)).to.contain("Please check the marked fields.");
    const email = $<HTMLInputElement>(el, "#email")!;
    expect(email.getAttribute("aria-invalid")).to.equal("true");
    expect($(el, `#${email.getAttribute("aria-describedby")}`)!.textContent).to.equal(
      "Please enter a valid e-mail address.",
    );
    expect($(el, "#q0")!.getAttribute("aria-invalid")).to.equal("true");
    expect($(el, "fieldset[aria-describedby]")!.textContent).to.contain("Please fill this in.");
    await waitFor(() => focused(el) === email, "the first wrong field to take the focus");
    expect(await api.requests("POST", "/v1/reservations"), "nothing reserved").to.have.length(0);
  });

  it("reserves the time with the answers and opens checkout, after baw-reserved", async () => {
    const api = await new MockApi().setup(payFirstRoutes());
    const navigations: string[] = [];
    const el = await picker(api, { "customer-token": "jwt_1" }, (e) => {
      e.navigate = (url) => {
        navigations.push(url);
        return true;
      };
    });
    await chooseZone(el, "Europe/Berlin");
    options(el)[1]!.click();
    await el.updateComplete;
    control(el, "Continue")!.click();
    await waitForState(el, "details");
    await el.updateComplete;
    fill(el, { name: "Ada", email: "ada@example.com", q0: "A shop", q2: ["Lit", "Vue"], q3: "New" });
    control(el, "Continue to payment")!.click();
    await waitForState(el, "redirecting");

    const [post] = await api.requests("POST", "/v1/reservations");
    expect(post!.siteKey).to.equal("pk_test_1");
    expect(post!.body).to.deep.equal({
      builder: "1a000000-0000-4000-8000-000000000001",
      sessionTypeId: "5e000000-0000-4000-8000-000000000060",
      startTime: availableTimes().times[1]!.startTime,
      invitee: { name: "Ada", email: "ada@example.com", timezone: "Europe/Berlin" },
      answers: [
        { position: 0, answer: "A shop" },
        { position: 2, answer: "Lit, Vue" },
        { position: 3, answer: "New" },
      ],
      customerToken: "jwt_1",
    });
    const reserved = await waitForEvent(el, "baw-reserved");
    expect(reserved.detail).to.deep.equal({ bookingId: BOOKING });
    const redirect = await waitForEvent(el, "baw-checkout-redirect");
    const order = events(el).map((e) => e.type);
    expect(order.indexOf("baw-reserved")).to.be.below(order.indexOf("baw-checkout-redirect"));
    expect(redirect.detail.checkoutUrl).to.equal(`https://checkout.example/c/pay/cs_${BOOKING}`);
    expect(navigations).to.deep.equal([`https://checkout.example/c/pay/cs_${BOOKING}`]);
  });

  /** Picks the first time, fills the form and submits it. */
  async function reserve(el: BawBookBuilder) {
    options(el)[0]!.click();
    await el.updateComplete;
    control(el, "Continue")!.click();
    await waitForState(el, "details");
    await el.updateComplete;
    fill(el, { name: "Ada", email: "ada@example.com", q0: "A shop", q2: ["React"] });
    control(el, "Continue to payment")!.click();
  }

  it("a time just taken: fresh times, says so, and the form comes back filled in", async () => {
    const taken = {
      status: 409,
      body: {
        statusCode: 409,
        error: "slot_unavailable",
        message: "startTime: is no longer available",
        field: "startTime",
      },
    };
    const api = await new MockApi().setup(payFirstRoutes({ "POST /v1/reservations": [taken, created()] }));
    const el = await picker(api);
    await reserve(el);
    await waitFor(() => status(el).includes("That time was just taken. Please pick another."), "the message");
    expect(el.getAttribute("state")).to.equal("pick-time");
    await waitFor(() => options(el).length, "the fresh times");
    expect(await api.requests("GET", "/v1/builders/liam/available-times")).to.have.length(2);
    expect(events(el, "baw-error")).to.have.length(0);
    options(el)[1]!.click();
    await el.updateComplete;
    control(el, "Continue")!.click();
    await waitForState(el, "details");
    await el.updateComplete;
    expect($<HTMLInputElement>(el, "#email")!.value).to.equal("ada@example.com");
    expect($<HTMLTextAreaElement>(el, "#q0")!.value).to.equal("A shop");
    expect(
      $$<HTMLInputElement>(el, "[name=q2]")
        .filter((c) => c.checked)
        .map((c) => c.value),
    ).to.deep.equal(["React"]);
  });

  it("pay first no longer offered: the embedded calendar, quietly", async () => {
    const api = await new MockApi().setup(
      payFirstRoutes({
        "POST /v1/reservations": {
          status: 409,
          body: {
            statusCode: 409,
            error: "pay_first_unavailable",
            message: "Pay first is not available (scheduling_budget).",
          },
        },
        "POST /v1/booking-attempts": attempt(),
      }),
    );
    const el = await picker(api);
    await reserve(el);
    await waitForState(el, "calendar");
    await waitFor(async () => (await api.requests("POST", "/v1/booking-attempts")).length, "the attempt");
    expect(events(el, "baw-error")).to.have.length(0);
    expect(text(el)).to.not.match(/went wrong|error/i);
  });

  it("a builder whose pay first is unavailable gets the calendar from the start, quietly", async () => {
    const api = await new MockApi().setup(
      payFirstRoutes({
        "GET /v1/builders/liam/booking-config": {
          body: config({
            flow: { builderChoice: null, payFirst: { available: false, reasonCode: "scheduling_budget" } },
          }),
        },
        "POST /v1/booking-attempts": attempt(),
      }),
    );
    const el = mount(attrs(api, { flow: "pay-first" }));
    await waitForState(el, "calendar");
    expect(await api.requests("GET", "/v1/builders/liam/available-times")).to.have.length(0);
    expect(events(el, "baw-error")).to.have.length(0);
  });

  it("the builder's choice of pay first wins over the attribute's default", async () => {
    const api = await new MockApi().setup(
      payFirstRoutes({
        "GET /v1/builders/liam/booking-config": {
          body: config({ flow: { builderChoice: "pay-first", payFirst: { available: true } } }),
        },
      }),
    );
    const el = mount(attrs(api));
    await waitForState(el, "pick-time");
  });

  it("a field the service refuses: its error next to it", async () => {
    const api = await new MockApi().setup(
      payFirstRoutes({
        "POST /v1/reservations": {
          status: 400,
          body: {
            statusCode: 400,
            error: "validation_error",
            message: "body.invitee.email: Invalid email address",
            field: "invitee.email",
          },
        },
      }),
    );
    const el = await picker(api);
    await reserve(el);
    await waitForState(el, "details");
    await waitFor(() => $(el, "#baw-error-email"), "the e-mail's error");
    expect($(el, "#baw-error-email")!.textContent).to.equal("Please check this entry.");
    expect($(el, "#email")!.getAttribute("aria-invalid")).to.equal("true");
  });

  it("rate limited: the error state with Retry, which reserves again", async () => {
    const limited = {
      status: 429,
      body: { statusCode: 429, error: "calendly_rate_limited", message: "Try again shortly.", retryable: true },
    };
    const api = await new MockApi().setup(payFirstRoutes({ "POST /v1/reservations": [limited, created()] }));
    const el = await picker(api);
    await reserve(el);
    await waitForState(el, "error");
    const error = await waitForEvent(el, "baw-error");
    expect(error.detail).to.include({ code: "calendly_rate_limited", retryable: true, state: "reserving" });
    expect($(el, "progress"), "no spinner").to.equal(null);
    control(el, "Retry")!.click();
    await waitForState(el, "redirecting");
    const posts = await api.requests("POST", "/v1/reservations");
    expect(posts).to.have.length(2);
    expect(posts[1]!.body).to.deep.equal(posts[0]!.body);
  });
});
