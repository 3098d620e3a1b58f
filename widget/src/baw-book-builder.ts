/**
 * @license
 * SPDX-License-Identifier: MIT
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { ApiError, request } from "./api-client.js";
import type { WatchTimeouts } from "./attempt-outcome.js";
import {
  type Effect,
  type Failure,
  type Flow,
  type FlowEvent,
  initialFlow,
  next,
  type TimerName,
} from "./booking-flow.js";
import type { View } from "./booking-result.js";
import { BawAuthRequiredEvent } from "./events/auth-required.js";
import { BawErrorEvent } from "./events/error.js";
import { BawReadyEvent } from "./events/ready.js";
import { BawSlotScheduledEvent } from "./events/slot-scheduled.js";
import { BawStateChangeEvent } from "./events/state-change.js";
import { type CoreStrings, fill, pickLocale, type Strings, stringsFor } from "./i18n/index.js";
import { navigateTop } from "./navigate.js";
import { readReturn } from "./return-params.js";
import { styles } from "./styles.js";
import type { BawState, BookingFlow, Prefill, SessionType, Timeouts } from "./types.js";

/** The after-checkout module, once loaded (see `#poll`). */
let result: typeof import("./booking-result.js");
/** The "Open in Calendly" watch and its view, once loaded (see `#watch`). */
let watcher: typeof import("./calendly-watch.js") | undefined;
/** The error state's view and messages, once loaded (see `#reportError`). */
let errors: typeof import("./error-view.js") | undefined;
/** The calendar's URL and frame, once loaded (see `create-attempt` in `#run`). */
let frames: typeof import("./calendar-frame.js") | undefined;
/** Pay first's picker, form, requests and events, once loaded (see `#run`). */
let picker: typeof import("./slot-picker.js") | undefined;
/** The views of demo, unavailable, sign-in and the choice of session type, once loaded (see `#entered`). */
let starts: typeof import("./start-views.js") | undefined;
/** The states whose views come with `start-views.ts`. */
const START_STATES: BawState[] = ["demo", "unavailable", "auth-required", "choose-session-type"];

/** Default {@link Timeouts}, in milliseconds. */
export const DEFAULT_TIMEOUTS: Timeouts & WatchTimeouts = {
  config: 15000,
  ready: 20000,
  slow: 5000,
  afterLoad: 5000,
  checkout: 20000,
  confirm: 60000,
  watch: 600000,
  watchEvery: 3000,
};

/** A chunk of the CDN bundle; when it cannot load (offline), the `network` failure. */
const chunk = <T>(loading: Promise<T>): Promise<T> =>
  loading.catch(() => {
    throw new ApiError("network", "", true);
  });

/** Any exception as a failure of the flow. */
export const toFailure = (e: unknown): Failure =>
  e instanceof ApiError
    ? { code: e.code, message: e.message, retryable: e.retryable, retryAfter: e.retryAfter }
    : { code: "unknown", message: "", retryable: false };

/**
 * Books and pays for one builder's session: Calendly's scheduling page in an iframe the element
 * builds itself (no widget.js), then Stripe Checkout by top-level redirect (no Stripe.js), then
 * the confirmation when the visitor comes back.
 *
 * @customElement baw-book-builder
 *
 * @fires {BawStateChangeEvent} baw-state-change - Every state change (`detail: {state, previous}`).
 * @fires {BawReadyEvent} baw-ready - The calendar sent its first message.
 * @fires {BawSlotScheduledEvent} baw-slot-scheduled - A slot was booked in Calendly (not yet paid).
 * @fires {BawCheckoutRedirectEvent} baw-checkout-redirect - About to open Stripe Checkout; cancelable.
 * @fires {BawBookingConfirmedEvent} baw-booking-confirmed - The booking is paid and confirmed.
 * @fires {BawErrorEvent} baw-error - The element entered its error state (`detail: {code, message, retryable, state}`).
 * @fires {BawAuthRequiredEvent} baw-auth-required - Booking needs a signed-in customer: set `customer-token`.
 * @fires {BawSlotSelectedEvent} baw-slot-selected - Pay first: a time was picked in the element's picker (`detail: {startTime, timezone}`).
 * @fires {BawReservedEvent} baw-reserved - Pay first: the time is reserved and checkout opens next (`detail: {bookingId}`).
 *
 * @slot button - Label of the popup-mode button (default: "Book a session").
 *
 * @csspart base - The wrapper around every state's content.
 * @csspart status - The polite live region (`role=status`) with the state's heading and message.
 * @csspart heading - Each state's heading (focused after an action).
 * @csspart message - The state's message, when it has one.
 * @csspart button - Every action button and button-like link.
 * @csspart link - Plain links (browse builders, open in Calendly).
 * @csspart spinner - The `<progress>` of waiting states.
 * @csspart session-types - The list of session types to choose from.
 * @csspart session-type - One session type's button.
 * @csspart calendar - The Calendly iframe.
 * @csspart zone - Pay first: the time zone `<select>`.
 * @csspart week - Pay first: the week's navigation (earlier, the dates, later).
 * @csspart days - Pay first: the days of the week with free times (`role=tablist`).
 * @csspart day - Pay first: one day's tab.
 * @csspart times - Pay first: the day's times (`role=listbox`).
 * @csspart time - Pay first: one time (`role=option`).
 * @csspart chosen - Pay first: the chosen time above the form.
 * @csspart form - Pay first: the visitor's details and the event type's questions.
 * @csspart field - Pay first: one field of the form with its label (and error).
 * @csspart field-error - Pay first: a field's error, next to it.
 * @csspart summary - The confirmed booking's details (`<dl>`).
 * @csspart open-button - Popup mode: the button that opens the dialog.
 * @csspart dialog - Popup mode: the `<dialog>`.
 * @csspart close-button - Popup mode: the dialog's close button.
 *
 * @cssprop [--baw-font=inherit] - Font shorthand (text colour is inherited from the page).
 * @cssprop [--baw-color-primary=#2f5bea] - Buttons, links and the progress bar.
 * @cssprop [--baw-color-on-primary=#fff] - Text on buttons.
 * @cssprop [--baw-radius=6px] - Corner radius of buttons and the dialog.
 * @cssprop [--baw-color-error=#b00020] - Pay first: the form's field errors.
 */
export class BawBookBuilder extends LitElement {
  static override styles = styles;

  static override properties = {
    builder: {},
    siteKey: { attribute: "site-key" },
    apiBase: { attribute: "api-base" },
    sessionType: { attribute: "session-type" },
    customerToken: { attribute: "customer-token" },
    name: {},
    email: {},
    prefill: { attribute: false },
    utmSource: { attribute: "utm-source" },
    utmMedium: { attribute: "utm-medium" },
    utmCampaign: { attribute: "utm-campaign" },
    utmTerm: { attribute: "utm-term" },
    locale: {},
    mode: { reflect: true },
    hideDetails: { type: Boolean, attribute: "hide-details" },
    lazy: { type: Boolean },
    calendlyOrigin: { attribute: "calendly-origin" },
    browseUrl: { attribute: "browse-url" },
    primaryColor: { attribute: "primary-color" },
    flow: {},
    bookingId: { attribute: "booking-id" },
    bookingToken: { attribute: "booking-token" },
    checkoutSession: { attribute: "checkout-session" },
    timeouts: { attribute: false },
    strings: { attribute: false },
  };

  /** Builder id or slug. */
  builder = "";

  /** Publishable site key, sent as `X-Baw-Site-Key` on every request. */
  siteKey?: string;

  /** Base URL of the booking service, e.g. `https://api.example`. */
  apiBase?: string;

  /** Session type id to preselect; skips the choice. */
  sessionType?: string;

  /** Short-lived signed customer token; setting it later continues an `auth-required` booking. */
  customerToken?: string;

  /** Invitee name to prefill in Calendly. */
  name?: string;

  /** Invitee e-mail to prefill in Calendly. */
  email?: string;

  /** More prefill: `firstName`, `lastName`, `guests`, `date` (YYYY-MM-DD) and answers `a1`…`a10`. */
  prefill: Prefill = {};

  /** Passed to Calendly as `utm_source`. */
  utmSource?: string;

  /** Passed to Calendly as `utm_medium`. */
  utmMedium?: string;

  /** Passed to Calendly as `utm_campaign`. */
  utmCampaign?: string;

  /** Passed to Calendly as `utm_term`. (`utm_content` is reserved for the service's attempt id.) */
  utmTerm?: string;

  /** BCP 47 locale for text, dates and money; defaults to `navigator.language`. */
  locale?: string;

  /** `inline` shows the flow in place; `popup` shows a button that opens it in a modal dialog. */
  mode: "inline" | "popup" = "inline";

  /** Hides the event type details column in Calendly. */
  hideDetails = false;

  /** Defers the booking attempt and the iframe until the element nears the viewport. */
  lazy = false;

  /** Origin Calendly's messages must come from. Overrides the service's; default `https://calendly.com`. */
  calendlyOrigin?: string;

  /** Where "Browse builders" links to. */
  browseUrl = "/";

  /** Calendly's primary colour, hex with or without `#`. */
  primaryColor?: string;

  /**
   * `embedded`: the visitor books in Calendly's page, then pays. `pay-first`: the visitor picks a time
   * in the element's own picker and pays, then the service books it. The builder's own setting wins;
   * where pay-first cannot be offered the element uses the embedded flow.
   */
  flow: BookingFlow = "embedded";

  /** Booking to confirm (instead of `baw_booking` in the page URL). */
  bookingId?: string;

  /** Token of `booking-id` (instead of `baw_token` in the page URL). */
  bookingToken?: string;

  /** Stripe Checkout session to confirm (instead of `session_id` in the page URL). */
  checkoutSession?: string;

  /** Milliseconds each waiting state may last: `{config, ready, slow, afterLoad, checkout, confirm, watch, watchEvery}`, merged with the defaults. */
  timeouts: Partial<Timeouts & WatchTimeouts> = {};

  /** Overrides for any of the element's strings (keys as in `i18n/en.ts`). */
  strings: Partial<Strings> = {};

  /** Navigates to Stripe Checkout and returns false when the browser blocks it. Replace to intercept. */
  navigate: (url: string) => boolean = navigateTop;

  /** The current state, also reflected as the host's `state` attribute. */
  get state(): BawState {
    return this.#flow.state;
  }

  #flow: Flow = initialFlow();
  /** Aborts the requests in flight (see the `cancel` effect). */
  #requests = new AbortController();
  #timers = new Map<TimerName, ReturnType<typeof setTimeout>>();
  #visibility?: IntersectionObserver;
  #focusHeading = false;

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener("message", this.#onMessage);
    addEventListener("online", this.#onConnection);
    addEventListener("offline", this.#onConnection);
    this.#start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener("message", this.#onMessage);
    removeEventListener("online", this.#onConnection);
    removeEventListener("offline", this.#onConnection);
    this.#cancel();
    this.#visibility?.disconnect();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated || !this.isConnected) return;
    if (changed.has("builder") || changed.has("apiBase") || changed.has("siteKey")) this.#dispatch({ type: "reload" });
    else if (changed.has("customerToken")) this.#dispatch({ type: "token-set" });
  }

  override render(): TemplateResult {
    const t = this.#strings;
    let content: TemplateResult;
    try {
      content = this.#content();
    } catch (e) {
      // A view that cannot render is a failure like any other: it ends in `error` with baw-error.
      queueMicrotask(() => this.#dispatch({ type: "failed", failure: toFailure(e) }));
      content = html``;
    }
    const body = html`<div part="base" class="base">${content}</div>`;
    return this.mode === "popup"
      ? html`<button part="open-button button" aria-haspopup="dialog" @click=${this.#open}>
            <slot name="button">${t.open}</slot></button
          ><dialog part="dialog" aria-label=${t.open} @close=${this.#onClose}>
            <button part="close-button" class="x" aria-label=${t.close} @click=${this.#close}>✕</button>${body}
          </dialog>`
      : body;
  }

  protected override updated(): void {
    if (this.#focusHeading) this.renderRoot.querySelector("h2")?.focus();
    this.#focusHeading = false;
  }

  /** Runs `event` through the flow, reflects and announces a new state, then runs the effects. */
  #dispatch(event: FlowEvent): void {
    const before = this.#flow;
    try {
      const env = this.#env();
      const [flow, effects] =
        result?.nextAfterCheckout(before, event, env) ??
        frames?.nextCalendar(before, event) ??
        watcher?.nextWatch(before, event, env) ??
        picker?.nextPayFirst(before, event, env) ??
        next(before, event, env);
      this.#flow = flow;
      this.requestUpdate();
      if (flow.state !== before.state || !this.hasAttribute("state")) this.#entered(flow.state, before.state);
      for (const effect of effects) this.#run(effect);
    } catch (e) {
      // Any exception, in the flow or an effect, is a failure of the step; `failed` itself only builds an object.
      if (event.type !== "failed") this.#dispatch({ type: "failed", failure: toFailure(e) });
    }
  }

  #entered(state: BawState, previous: BawState): void {
    // Move focus to the new state's heading only if it was inside the element (never on first load).
    this.#focusHeading = this.hasUpdated && this.matches(":focus-within");
    this.setAttribute("state", state);
    this.dispatchEvent(new BawStateChangeEvent({ state, previous }));
    if (!starts && START_STATES.includes(state)) {
      chunk(import("./start-views.js")).then(
        (m) => {
          starts = m;
          this.requestUpdate();
        },
        // Offline: `network` (Retry, and by itself once back online), unless the flow moved on meanwhile.
        (e) => this.state === state && this.#dispatch({ type: "failed", failure: toFailure(e) }),
      );
    }
  }

  #env() {
    return {
      now: Date.now(),
      timeouts: { ...DEFAULT_TIMEOUTS, ...this.timeouts },
      sessionType: this.sessionType,
      customerToken: this.customerToken,
      flow: this.flow,
    };
  }

  #run(effect: Effect): void {
    const timeouts = this.#env().timeouts;
    switch (effect.type) {
      case "fetch-config":
        return void this.#call(async (signal) => ({
          type: "config",
          answer: await this.#api(
            `/v1/builders/${encodeURIComponent(this.builder)}/booking-config`,
            signal,
            timeouts.config,
          ),
        }));
      case "create-attempt": {
        const body = {
          builder: this.builder,
          sessionTypeId: effect.sessionTypeId,
          customerToken: this.customerToken || undefined,
        };
        // The calendar's frame is needed only with the answer: it loads beside the request.
        return void this.#call(async (signal) => {
          const [answer] = await Promise.all([
            this.#api("/v1/booking-attempts", signal, timeouts.config, { method: "POST", body }),
            chunk(import("./calendar-frame.js")).then((m) => (frames = m)),
          ]);
          return { type: "attempt", answer };
        });
      }
      case "create-booking":
      case "reserve":
      case "rebook":
      case "poll":
      case "fetch-outcome":
        // With the code after a booked slot, which also reads the attempt for the watch.
        return void this.#call(async (signal) => {
          await this.#loadAfterCheckout();
          return result.requestFor(
            effect,
            (path, timeout, init) => this.#api(path, signal, timeout, init),
            timeouts,
            signal,
          );
        });
      case "open-checkout": {
        const blocked = result.openCheckout(this, effect.checkout);
        if (blocked !== undefined) this.#dispatch({ type: "watch", blocked });
        return;
      }
      case "timer": {
        const { name } = effect;
        clearTimeout(this.#timers.get(name));
        this.#timers.set(
          name,
          setTimeout(() => {
            this.#timers.delete(name);
            this.#dispatch({ type: "timer", name });
          }, effect.ms),
        );
        return;
      }
      case "cancel":
        return void this.#cancel();
      case "forget-return":
        // Return parameters come only with a return from checkout, which loads the code after it.
        return void result?.forgetReturn(this);
      case "focus-heading":
        this.#focusHeading = true;
        return;
      case "ready":
        this.dispatchEvent(new BawReadyEvent({ url: this.#calendarUrl() }));
        return;
      case "slot-scheduled":
        this.dispatchEvent(new BawSlotScheduledEvent(effect.detail));
        return;
      case "booking-confirmed":
        this.dispatchEvent(new result.BawBookingConfirmedEvent({ booking: effect.booking }));
        return;
      case "auth-required":
        this.dispatchEvent(new BawAuthRequiredEvent({ builder: this.builder, code: effect.code }));
        return;
      case "error":
        return void this.#reportError(effect);
      default:
        // Pay first's requests and events, with its module (an event fires at once once it is there).
        return void this.#call(async (signal) => {
          picker ??= await chunk(import("./slot-picker.js"));
          return picker.run(effect, this, (path, timeout, init) => this.#api(path, signal, timeout, init), timeouts);
        });
    }
  }

  /**
   * Loads the error view, then fires baw-error once the error is on screen: in the element's own
   * words, or, when the view cannot load (offline), in the plain view's.
   */
  async #reportError({ code, message, retryable, state }: Extract<Effect, { type: "error" }>): Promise<void> {
    try {
      errors = await import("./error-view.js");
    } catch {}
    this.requestUpdate();
    await this.updateComplete.catch(() => {});
    this.dispatchEvent(new BawErrorEvent({ code, message: this.#errorMessage({ code, message }), retryable, state }));
  }

  #cancel(): void {
    this.#requests.abort();
    this.#requests = new AbortController();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Work with the service; the event it leads to (or its failure) comes back unless cancelled meanwhile. */
  #call(work: (signal: AbortSignal) => Promise<FlowEvent | undefined>): void {
    const { signal } = this.#requests;
    work(signal).then(
      (event) => signal.aborted || !event || this.#dispatch(event),
      (e) => signal.aborted || this.#dispatch({ type: "failed", failure: toFailure(e) }),
    );
  }

  /** The code after a booked slot (its flow, requests, views and strings), before the first request that needs it. */
  async #loadAfterCheckout(): Promise<void> {
    result = await chunk(import("./booking-result.js"));
  }

  #api(path: string, signal: AbortSignal, timeout: number, init?: Parameters<typeof request>[5]): Promise<unknown> {
    return request(this.apiBase, this.siteKey, path, signal, timeout, init);
  }

  #start(): void {
    const { ref, cancelled } = readReturn(location.search, this);
    const popup = this.mode === "popup";
    const visible = !popup && !this.lazy;
    this.#dispatch({ type: "start", ref, cancelled, visible, online: navigator.onLine });
    if (ref && popup) this.updateComplete.then(() => this.#open());
    if (this.lazy && !popup) {
      this.#visibility = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) {
            this.#visibility?.disconnect();
            this.#dispatch({ type: "shown" });
          }
        },
        { rootMargin: "200px" },
      );
      this.#visibility.observe(this);
    }
  }

  #onMessage = (e: MessageEvent): void => {
    const frame = this.renderRoot?.querySelector("iframe");
    if (!frame || e.source !== frame.contentWindow || e.origin !== this.#calendlyOrigin) return;
    // The frame comes with calendar-frame.ts, which reads its messages.
    const message = frames!.parseMessage(e.data);
    if (message) this.#dispatch({ type: "calendly", message });
  };

  #onConnection = (): void => this.#dispatch({ type: "connection", online: navigator.onLine });

  /** The locale's strings with the overrides, over the English ones of the watch once it is loaded. */
  get #strings(): CoreStrings & Partial<Strings> {
    return { ...watcher?.enWatch, ...stringsFor(this.#locale, this.strings, () => this.requestUpdate()) };
  }

  get #locale(): string {
    return pickLocale(this.locale);
  }

  get #calendlyOrigin(): string {
    return this.calendlyOrigin || this.#flow.config?.calendly?.origin || "https://calendly.com";
  }

  /** The embed's URL, or with `direct` the scheduling page itself ("Open in Calendly"). */
  #calendarUrl(direct = false): string {
    const attempt = this.#flow.attempt;
    return attempt && frames ? frames.calendlyUrl(attempt.calendlyUrl, this, direct ? undefined : location.host) : "";
  }

  /** What went wrong, for baw-error: the error view's words, or without it the service's message or the plain title. */
  #errorMessage(error: { code: string; message: string }): string {
    return errors ? errors.errorMessage(error, this.#strings) : error.message || this.#strings.errorTitle;
  }

  /** One state's view: a polite live region with the heading (focus target) and message, then the rest. */
  #view: View = (title, message, content = nothing, spinner) =>
    html`<div part="status" role="status" aria-live="polite">
        <h2 part="heading" tabindex="-1">${title}</h2>
        ${message ? html`<p part="message">${message}</p>` : nothing}
      </div>
      ${spinner ? html`<progress part="spinner" aria-hidden="true"></progress>` : nothing}${content}`;

  #content(): TemplateResult {
    const flow = this.#flow;
    const t = this.#strings;
    const locale = this.#locale;
    const vars = { name: flow.config?.builder.name ?? this.builder };
    const again = () => this.#dispatch({ type: "again" });
    switch (flow.state) {
      case "loading":
        return this.#view(t.loading, "", nothing, true);
      case "demo":
      case "unavailable":
      case "auth-required":
      case "choose-session-type": {
        if (!starts) return this.#view(t.loading, "", nothing, true); // until start-views.ts is there
        const actions = {
          browseUrl: this.browseUrl,
          signIn: () => this.#dispatch({ type: "sign-in" }),
          choose: (sessionType: SessionType) => this.#dispatch({ type: "choose", sessionType }),
        };
        return starts.startView(flow, t, locale, this.#view, vars, actions);
      }
      case "calendar": {
        const url = this.#calendarUrl();
        const title = fill(t.calendarTitle, vars);
        // Booking in Calendly's own page: the element watches the attempt and goes on to checkout here.
        if (flow.calendar === "elsewhere") {
          return watcher!.watchView(title, t, this.#view, this.#calendarUrl(true), this.#watch);
        }
        const ready = flow.calendar === "ready";
        // A URL means an attempt, which comes with calendar-frame.ts.
        const frame =
          url && flow.visible
            ? frames!.calendarFrame(flow, title, url, () => this.#dispatch({ type: "frame-loaded" }))
            : nothing;
        const message = ready ? "" : flow.calendar === "slow" ? t.calendarSlow : t.calendarLoading;
        return this.#view(title, message, frame, !frame);
      }
      case "creating-checkout":
        return this.#view(t.creating, "", nothing, true);
      case "confirming":
        return this.#view(t.confirming, flow.online ? "" : `${t.offline} ${t.moneyUnknown}`, nothing, true);
      case "redirecting":
      case "confirmed":
      case "payment-cancelled":
      case "hold-expired":
      case "payment-failed":
      case "scheduling":
      case "refunded":
        return result.resultView(
          flow,
          t,
          locale,
          this.#view,
          () => this.#dispatch({ type: "return-to-checkout" }),
          again,
        );
      default: {
        // Pay first's picker and form; until its module is there, the loading view.
        if (flow.state !== "error") {
          return picker
            ? picker.payFirstView(flow, t, locale, this.#view, (e) => this.#dispatch(e), this)
            : this.#view(t.loading, "", nothing, true);
        }
        const retry = () => this.#dispatch({ type: "retry" });
        if (errors) {
          const actions = {
            retry,
            again,
            browseUrl: this.browseUrl,
            calendlyPage: this.#calendarUrl(true),
            watch: this.#watch,
          };
          return errors.errorView(flow, this.#strings, this.#view, actions);
        }
        // Until the error view is loaded, or for good offline: a plain way forward.
        return this.#view(
          t.errorTitle,
          flow.online ? "" : t.offline,
          html`<button part="button" @click=${flow.error!.retryable ? retry : again}>${t.retry}</button>`,
        );
      }
    }
  }

  /** Loads the watch, then watches the attempt (the link itself opens Calendly's page). */
  #watch = (): void => {
    import("./calendly-watch.js").then(
      (m) => {
        watcher = m;
        this.#dispatch({ type: "open-calendly" });
      },
      () => {},
    ); // without the watch the link still works; the element stays in error
  };

  #open(): void {
    const dialog = this.renderRoot.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
    this.#dispatch({ type: "shown" });
  }

  #close(): void {
    this.renderRoot.querySelector("dialog")?.close();
  }

  #onClose(): void {
    this.renderRoot.querySelector<HTMLElement>("[part~=open-button]")?.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "baw-book-builder": BawBookBuilder;
  }
}
