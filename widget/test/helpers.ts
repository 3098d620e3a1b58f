// Shared helpers for the widget's browser tests.
import "../src/define.js";
import type { BawBookBuilder } from "../src/baw-book-builder.js";
import type { AvailableTimes, BawState, Booking, BookingConfig } from "../src/types.js";

export type Route = {
  status?: number;
  body?: unknown;
  delay?: number;
  headers?: Record<string, string>;
  /** An answer the service would never give, sent on purpose (the mock refuses any other). */
  malformed?: true;
};
export type Routes = Record<string, Route | Route[]>;
export type LogEntry = {
  method: string;
  path: string;
  query: string;
  siteKey: string | null;
  authorization: string | null;
  contentType: string | null;
  body: unknown;
};

/** The fake Calendly origin: same server, other host name, so a different origin from the test page. */
export const CALENDLY_ORIGIN = `http://127.0.0.1:${location.port}`;
export const FAKE_CALENDLY = `${CALENDLY_ORIGIN}/test/fixtures/fake-calendly.html`;

/** Polls `check` until it returns something truthy; fails with `what` after `timeout` ms. */
export async function waitFor<T>(check: () => T, what: string, timeout = 4000): Promise<NonNullable<T>> {
  const until = performance.now() + timeout;
  for (;;) {
    const v = check();
    if (v) return v as NonNullable<T>;
    if (performance.now() > until) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the next event of `type` on `target`. */
export const nextEvent = <E extends Event = CustomEvent>(target: EventTarget, type: string, timeout = 4000) =>
  new Promise<E>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeout} ms`)), timeout);
    target.addEventListener(
      type,
      (e) => {
        clearTimeout(timer);
        resolve(e as E);
      },
      { once: true },
    );
  });

/** A mocked service of its own for one test. */
export class MockApi {
  readonly ns = `t${Math.random().toString(36).slice(2, 10)}`;
  readonly base = `${location.origin}/mock/${this.ns}`;

  async setup(routes: Routes): Promise<this> {
    const res = await fetch(`${this.base}/__setup`, { method: "POST", body: JSON.stringify(routes) });
    if (!res.ok) throw new Error(`mock setup refused: ${(await res.json()).message}`);
    return this;
  }

  async log(): Promise<LogEntry[]> {
    return (await fetch(`${this.base}/__log`)).json();
  }

  async requests(method: string, path: string | RegExp): Promise<LogEntry[]> {
    return (await this.log()).filter(
      (r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path)),
    );
  }
}

export const sessionType = (
  id = "5e000000-0000-4000-8000-000000000060",
  name = "1:1 session, 60 minutes",
  amount = 6000,
) => ({
  id,
  name,
  durationMinutes: 60,
  price: { amount, currency: "usd" },
});

export function config(over: Partial<BookingConfig> = {}): BookingConfig {
  return {
    state: "bookable",
    builder: {
      id: "1a000000-0000-4000-8000-000000000001",
      slug: "liam",
      name: "Liam Builder",
      headline: "Builds things",
      avatarUrl: null,
    },
    sessionTypes: [sessionType()],
    calendly: { url: "https://calendly.com/liam/60min", origin: CALENDLY_ORIGIN },
    requiresCustomer: false,
    sandbox: true,
    flow: { builderChoice: null, payFirst: { available: true } },
    ...over,
  };
}

/** What POST /v1/booking-attempts answers: the fake Calendly page, carrying `utm_content`. */
export function attempt(id = "att_1", params: Record<string, string> = {}) {
  const url = new URL(FAKE_CALENDLY);
  url.searchParams.set("utm_content", id);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return {
    status: 201,
    body: { attemptId: id, calendlyUrl: url.href, expiresAt: new Date(Date.now() + 3600_000).toISOString() },
  };
}

export const created = (id = "b0000000-0000-4000-8000-000000000001") => ({
  status: 201,
  body: {
    bookingId: id,
    bookingToken: `tok_${id}`,
    status: "PENDING_PAYMENT",
    checkoutUrl: `https://checkout.example/c/pay/cs_${id}`,
    holdExpiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
  },
});

export function booking(over: Partial<Booking> = {}): Booking {
  return {
    id: "b0000000-0000-4000-8000-000000000001",
    status: "CONFIRMED",
    builder: {
      id: "1a000000-0000-4000-8000-000000000001",
      name: "Liam Builder",
      slug: "liam",
      headline: "Builds things",
      avatarUrl: null,
    },
    sessionType: { id: "5e000000-0000-4000-8000-000000000060", name: "1:1 session, 60 minutes", durationMinutes: 60 },
    startTime: "2030-03-14T15:30:00+01:00",
    endTime: "2030-03-14T16:30:00+01:00",
    timezone: "Europe/Berlin",
    inviteeName: "Ada",
    price: { amount: 6000, currency: "usd" },
    amountPaid: { amount: 6000, currency: "usd" },
    amountRefunded: { amount: 0, currency: "usd" },
    flow: "embedded",
    holdExpiresAt: null,
    rebookBy: null,
    checkoutUrl: null,
    history: [],
    sandbox: true,
    ...over,
  };
}

/** Midnight UTC `days` from today, plus `hours`: a time the picker lists (always in the future). */
export const dayAt = (days: number, hours: number): string => {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  return new Date(d.getTime() + days * 86_400_000 + hours * 3_600_000).toISOString();
};

/** `GET /v1/builders/liam/available-times`: two times tomorrow, one the day after (UTC), and four questions. */
export function availableTimes(over: Partial<AvailableTimes> = {}): AvailableTimes {
  const slot = (days: number, hours: number) => ({ startTime: dayAt(days, hours), endTime: dayAt(days, hours + 1) });
  return {
    builderId: "1a000000-0000-4000-8000-000000000001",
    sessionTypeId: "5e000000-0000-4000-8000-000000000060",
    durationMinutes: 60,
    from: new Date().toISOString(),
    to: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    times: [slot(1, 9), slot(1, 10), slot(2, 14)],
    questions: [
      { position: 0, name: "What should we build?", type: "text", required: true, answerChoices: [] },
      { position: 1, name: "Phone", type: "phone_number", required: false, answerChoices: [] },
      { position: 2, name: "Stack", type: "multi_select", required: true, answerChoices: ["Lit", "React", "Vue"] },
      { position: 3, name: "Level", type: "single_select", required: false, answerChoices: ["New", "Seasoned"] },
    ],
    refreshedAt: new Date().toISOString(),
    ...over,
  };
}

/** Routes of a builder "liam" offering pay first: config, a week of times and a reservation. */
export const payFirstRoutes = (over: Routes = {}): Routes => ({
  "GET /v1/builders/liam/booking-config": { body: config() },
  "GET /v1/builders/liam/available-times": { body: availableTimes() },
  "POST /v1/reservations": created(),
  ...over,
});

/** Routes of a bookable builder "liam" with one session type, the fake calendar and a booking. */
export const bookable = (over: Routes = {}): Routes => ({
  "GET /v1/builders/liam/booking-config": { body: config() },
  "POST /v1/booking-attempts": attempt(),
  "POST /v1/bookings": created(),
  ...over,
});

const mounted: HTMLElement[] = [];

export const EVENT_TYPES = [
  "baw-ready",
  "baw-state-change",
  "baw-slot-scheduled",
  "baw-checkout-redirect",
  "baw-booking-confirmed",
  "baw-error",
  "baw-auth-required",
  "baw-slot-selected",
  "baw-reserved",
] as const;
const logs = new WeakMap<HTMLElement, CustomEvent[]>();

/** Every baw-* event the element has fired since it was mounted, oldest first. */
export const events = (el: HTMLElement, type?: string): CustomEvent[] =>
  (logs.get(el) ?? []).filter((e) => !type || e.type === type);

/** Waits until the element has fired `count` events of `type`; returns the last. */
export const waitForEvent = (el: HTMLElement, type: string, count = 1, timeout = 4000) =>
  waitFor(() => events(el, type)[count - 1], `${type} #${count}`, timeout);

/** Creates `<baw-book-builder>` with `attrs`, lets `before` set properties, and mounts it. */
export function mount(
  attrs: Record<string, string | boolean>,
  before?: (el: BawBookBuilder) => void,
  parent: HTMLElement = document.body,
): BawBookBuilder {
  const el = document.createElement("baw-book-builder");
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) el.setAttribute(k, "");
    else if (v !== false) el.setAttribute(k, v);
  }
  el.timeouts = { config: 3000, ready: 3000, checkout: 3000, confirm: 3000 };
  el.navigate = () => true; // never leave the test page
  const log: CustomEvent[] = [];
  logs.set(el, log);
  for (const t of EVENT_TYPES) el.addEventListener(t, (e) => log.push(e as CustomEvent));
  before?.(el);
  parent.append(el);
  mounted.push(el);
  return el;
}

/** The usual attributes for `api`. */
export const attrs = (api: MockApi, more: Record<string, string | boolean> = {}) => ({
  builder: "liam",
  "site-key": "pk_test_1",
  "api-base": api.base,
  "calendly-origin": CALENDLY_ORIGIN,
  ...more,
});

export function unmountAll(): void {
  for (const el of mounted.splice(0)) el.remove();
}

export const shadow = (el: HTMLElement) => el.shadowRoot!;
export const $ = <T extends Element = HTMLElement>(el: HTMLElement, sel: string) =>
  el.shadowRoot!.querySelector<T>(sel);
export const $$ = <T extends Element = HTMLElement>(el: HTMLElement, sel: string) => [
  ...el.shadowRoot!.querySelectorAll<T>(sel),
];
export const text = (el: HTMLElement) => (el.shadowRoot!.textContent ?? "").replace(/\s+/g, " ").trim();

export const waitForState = (el: BawBookBuilder, state: BawState, timeout = 4000) =>
  waitFor(() => el.getAttribute("state") === state, `state ${state} (now ${el.getAttribute("state")})`, timeout);

/** Finds the button or link in the element's shadow root whose text is `label`. */
export const control = (el: HTMLElement, label: string) =>
  $$<HTMLElement>(el, "button, a").find((b) => b.textContent?.trim() === label);

export const frame = (el: HTMLElement) => $<HTMLIFrameElement>(el, "iframe");

/** Resolves when the element's own iframe has posted a message with `event` (seen by this page too). */
export function messageFrom(win: Window | null, event: string, timeout = 4000): Promise<MessageEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      removeEventListener("message", on);
      reject(new Error(`no ${event} message within ${timeout} ms`));
    }, timeout);
    const on = (e: MessageEvent) => {
      if (e.source === win && e.data?.event === event) {
        clearTimeout(timer);
        removeEventListener("message", on);
        resolve(e);
      }
    };
    addEventListener("message", on);
  });
}

/** Makes the element's calendar (the fake Calendly page) schedule, `times` times. */
export async function schedule(el: HTMLElement, times = 1): Promise<void> {
  const win = frame(el)!.contentWindow!;
  const seen = messageFrom(win, "calendly.event_scheduled");
  win.postMessage({ fakeCalendly: "schedule", times }, "*");
  await seen;
}

/** Waits for the calendar to report ready (its first message). */
export async function calendarReady(el: BawBookBuilder): Promise<void> {
  await waitForState(el, "calendar");
  await waitForEvent(el, "baw-ready");
}

/** Runs axe-core (loaded from the test server) against the element's shadow content. */
export async function axeViolations(el: HTMLElement): Promise<{ id: string; nodes: unknown[] }[]> {
  const w = window as unknown as { axe?: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: [] }> } };
  if (!w.axe) {
    const s = document.createElement("script");
    s.src = "/axe.min.js";
    document.head.append(s);
    await nextEvent(s, "load");
  }
  const result = await w.axe!.run(el, {
    iframes: false, // the calendar is a cross-origin page of its own
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
  });
  return result.violations;
}
