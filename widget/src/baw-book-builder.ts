/**
 * @license
 * SPDX-License-Identifier: MIT
 */
import { Task } from "@lit/task";
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { ApiError, isAbort, request } from "./api-client.js";
import { lastSegment, pageHeight, parseMessage, READY_EVENTS, scheduledUris } from "./calendly-messages.js";
import { calendlyUrl } from "./calendly-url.js";
import { BawAuthRequiredEvent } from "./events/auth-required.js";
import { BawBookingConfirmedEvent } from "./events/booking-confirmed.js";
import { BawCheckoutRedirectEvent } from "./events/checkout-redirect.js";
import { BawErrorEvent } from "./events/error.js";
import { BawReadyEvent } from "./events/ready.js";
import { BawSlotScheduledEvent } from "./events/slot-scheduled.js";
import { BawStateChangeEvent } from "./events/state-change.js";
import { formatMoney } from "./format.js";
import { fill, pickLocale, type Strings, stringsFor } from "./i18n/index.js";
import { navigateTop } from "./navigate.js";
import { readReturn, stripReturn } from "./return-params.js";
import { styles } from "./styles.js";
import type {
  BawState,
  Booking,
  BookingAttempt,
  BookingConfig,
  BookingRef,
  CreatedBooking,
  Prefill,
  SessionType,
  Timeouts,
} from "./types.js";

/** The after-checkout module, once loaded (see `_poll`). */
let result: typeof import("./booking-result.js");

/** Default {@link Timeouts}, in milliseconds. */
export const DEFAULT_TIMEOUTS: Timeouts = { config: 15000, ready: 20000, checkout: 20000, confirm: 60000 };

/** Clamp for Calendly's `page_height`, in pixels. */
const MIN_HEIGHT = 400;
const MAX_HEIGHT = 1400;

type BookingBody = { attemptId: string; eventUri: string; inviteeUri: string };

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
 * @csspart summary - The confirmed booking's details (`<dl>`).
 * @csspart open-button - Popup mode: the button that opens the dialog.
 * @csspart dialog - Popup mode: the `<dialog>`.
 * @csspart close-button - Popup mode: the dialog's close button.
 *
 * @cssprop [--baw-font=inherit] - Font shorthand (text colour is inherited from the page).
 * @cssprop [--baw-color-primary=#2f5bea] - Buttons, links and the progress bar.
 * @cssprop [--baw-color-on-primary=#fff] - Text on buttons.
 * @cssprop [--baw-radius=6px] - Corner radius of buttons and the dialog.
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
    bookingId: { attribute: "booking-id" },
    bookingToken: { attribute: "booking-token" },
    checkoutSession: { attribute: "checkout-session" },
    timeouts: { attribute: false },
    strings: { attribute: false },
    // Internal reactive state (`attribute: false` rather than `state: true`, so the manifest leaves them out).
    _s: { attribute: false },
    _config: { attribute: false },
    _url: { attribute: false },
    _visible: { attribute: false },
    _height: { attribute: false },
    _booking: { attribute: false },
    _blockedUrl: { attribute: false },
    _err: { attribute: false },
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

  /** Booking to confirm (instead of `baw_booking` in the page URL). */
  bookingId?: string;

  /** Token of `booking-id` (instead of `baw_token` in the page URL). */
  bookingToken?: string;

  /** Stripe Checkout session to confirm (instead of `session_id` in the page URL). */
  checkoutSession?: string;

  /** Milliseconds each waiting state may last: `{config, ready, checkout, confirm}`, merged with the defaults. */
  timeouts: Partial<Timeouts> = {};

  /** Overrides for any of the element's strings (keys as in `i18n/en.ts`). */
  strings: Partial<Strings> = {};

  /** Navigates to Stripe Checkout and returns false when the browser blocks it. Replace to intercept. */
  navigate: (url: string) => boolean = navigateTop;

  /** The current state, also reflected as the host's `state` attribute. */
  get state(): BawState {
    return this._s;
  }

  private _s: BawState = "loading";
  private _config?: BookingConfig;
  private _url?: string;
  private _visible = false;
  private _height = 700;
  private _booking?: Booking;
  private _blockedUrl?: string;
  private _err?: { code: string; message: string; retryable: boolean };
  private _type?: SessionType;
  private _attempt?: BookingAttempt;
  private _retry?: () => void;
  private _seen = new Set<string>();
  private _body?: BookingBody;
  private _posting = false;
  private _ready = false;
  private _timer?: ReturnType<typeof setTimeout>;
  private _io?: IntersectionObserver;
  private _ctl?: AbortController;
  private _focus = false;
  private _wantType?: string;
  private _ref?: BookingRef;
  private _cancelled = false;

  private _configTask = new Task<[], BookingConfig>(this, {
    autoRun: false,
    task: (_, { signal }) =>
      this._api(`/v1/builders/${encodeURIComponent(this.builder)}/booking-config`, signal, this._t.config),
    onComplete: (c) => this._onConfig(c),
    onError: (e) => this._fail(e, () => this._load()),
  });

  private _attemptTask = new Task<[], BookingAttempt>(this, {
    autoRun: false,
    task: (_, { signal }) =>
      this._api("/v1/booking-attempts", signal, this._t.config, {
        method: "POST",
        body: { builder: this.builder, sessionTypeId: this._type!.id, customerToken: this.customerToken || undefined },
      }),
    onComplete: (a) => this._onAttempt(a),
    onError: (e) => {
      const code = (e as ApiError).code;
      if (code?.startsWith("customer_token_")) this._needAuth(code);
      else this._fail(e, () => this._begin());
    },
  });

  private _pollTask = new Task<[BookingRef, boolean, number], Booking>(this, {
    autoRun: false,
    task: (args, { signal }) => this._poll(...args, signal),
    onComplete: (b) => this._onBooking(b),
    onError: (e) => this._fail(e, () => this._confirm()),
  });

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("message", this._onMessage);
    this._ctl = new AbortController();
    this._start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("message", this._onMessage);
    this._ctl?.abort();
    for (const t of [this._configTask, this._attemptTask, this._pollTask]) t.abort();
    this._io?.disconnect();
    clearTimeout(this._timer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated || !this.isConnected) return;
    if (changed.has("builder") || changed.has("apiBase") || changed.has("siteKey")) this._load();
    else if (changed.has("customerToken") && this.customerToken && this._type) {
      if (this._s === "auth-required" || this._s === "calendar") this._begin();
    }
  }

  override render(): TemplateResult {
    const t = this._strings;
    const body = html`<div part="base" class="base">${this._content()}</div>`;
    return this.mode === "popup"
      ? html`<button part="open-button button" aria-haspopup="dialog" @click=${this._open}>
            <slot name="button">${t.open}</slot></button
          ><dialog part="dialog" aria-label=${t.open} @close=${this._onClose}>
            <button part="close-button" class="x" aria-label=${t.close} @click=${this._close}>✕</button>${body}
          </dialog>`
      : body;
  }

  protected override updated(): void {
    if (this._focus) this.renderRoot.querySelector("h2")?.focus();
    this._focus = false;
  }

  private get _t(): Timeouts {
    return { ...DEFAULT_TIMEOUTS, ...this.timeouts };
  }

  private get _locale(): string {
    return pickLocale(this.locale);
  }

  private get _strings(): Strings {
    return stringsFor(this._locale, this.strings, () => this.requestUpdate());
  }

  private get _calendlyOrigin(): string {
    return this.calendlyOrigin || this._config?.calendly?.origin || "https://calendly.com";
  }

  /** One state's view: a polite live region with the heading (focus target) and message, then the rest. */
  private _view(title: string, message?: string, content: unknown = nothing, spinner = false): TemplateResult {
    return html`<div part="status" role="status" aria-live="polite">
        <h2 part="heading" tabindex="-1">${title}</h2>
        ${message ? html`<p part="message">${message}</p>` : nothing}
      </div>
      ${spinner ? html`<progress part="spinner" aria-hidden="true"></progress>` : nothing}${content}`;
  }

  private _content(): TemplateResult {
    const t = this._strings;
    const l = this._locale;
    const vars = { name: this._booking?.builder.name ?? this._config?.builder.name ?? this.builder };
    const browse = html`<a part="link" href=${this.browseUrl}>${t.browse}</a>`;
    const again = html`<button part="button" @click=${this._again}>${t.again}</button>`;
    const b = this._booking!;
    switch (this._s) {
      case "loading":
        return this._view(t.loading, "", nothing, true);
      case "demo":
        return this._view(t.demoTitle, fill(t.demoText, vars), browse);
      case "unavailable":
        return this._view(t.unavailableTitle, this._config?.reason, browse);
      case "auth-required":
        return this._view(
          t.authTitle,
          fill(t.authText, vars),
          html`<button part="button" @click=${() => this._needAuth("customer_token_required")}>${t.signIn}</button>`,
        );
      case "choose-session-type":
        return this._view(
          t.chooseTitle,
          "",
          html`<ul part="session-types">
            ${this._config!.sessionTypes.map(
              (st) =>
                html`<li>
                  <button part="session-type" @click=${() => this._choose(st)}>
                    <b>${st.name}</b> · ${st.durationMinutes} min · ${formatMoney(st.price, l)}
                  </button>
                </li>`,
            )}
          </ul>`,
        );
      case "calendar": {
        const show = this._url && this._visible;
        const title = fill(t.calendarTitle, vars);
        return this._view(
          title,
          "",
          show
            ? html`<iframe part="calendar" title=${title} src=${this._url!} .style=${`height:${this._height}px`}></iframe>`
            : nothing,
          !show,
        );
      }
      case "creating-checkout":
        return this._view(t.creating, "", nothing, true);
      case "redirecting": {
        const u = this._blockedUrl;
        return u
          ? this._view(
              t.blocked,
              "",
              html`<a part="button" class="btn" href=${u} target="_blank" rel="noopener">${t.openCheckout}</a>`,
            )
          : this._view(t.redirecting, "", nothing, true);
      }
      case "confirming":
        return this._view(t.confirming, "", nothing, true);
      case "confirmed":
      case "payment-cancelled":
      case "hold-expired":
      case "payment-failed":
        return result.resultView(
          this._s,
          b,
          t,
          l,
          (title, message, content) => this._view(title, message, content),
          () => this._toCheckout(b.id, b.checkoutUrl!, b.holdExpiresAt!),
          again,
        );
      default: {
        const e = this._err!;
        return this._view(
          t.errorTitle,
          e.message,
          html`${
            e.retryable
              ? html`<button part="button" @click=${() => this._retry?.()}>${t.retry}</button>`
              : html`${this._config?.state === "bookable" ? again : nothing}${browse}`
          }
          ${
            e.code === "ready_timeout"
              ? html`<a part="link" href=${this._directUrl()} target="_blank" rel="noopener">${t.openCalendly}</a>`
              : nothing
          }`,
        );
      }
    }
  }

  /** Moves to `s`: reflects it, announces it, and drops any timer of the previous state. */
  private _go(s: BawState): void {
    clearTimeout(this._timer);
    const previous = this._s;
    if (previous === s && this.hasAttribute("state")) return;
    // Move focus to the new state's heading only if it was inside the element (never on first load).
    this._focus = this.hasUpdated && this.matches(":focus-within");
    this._s = s;
    this.setAttribute("state", s);
    this.dispatchEvent(new BawStateChangeEvent({ state: s, previous }));
  }

  private _api<T>(path: string, signal: AbortSignal, timeout: number, init?: Parameters<typeof request>[5]) {
    return request<T>(this.apiBase, this.siteKey, path, signal, timeout, init);
  }

  private _start(): void {
    const r = readReturn(location.search, this);
    if (r.ref) {
      this._ref = r.ref;
      this._cancelled = r.cancelled;
      if (this.mode === "popup") this.updateComplete.then(() => this._open());
      this._confirm();
    } else {
      this._load();
    }
    if (this.lazy && this.mode !== "popup") {
      this._io = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) {
            this._io?.disconnect();
            this._show();
          }
        },
        { rootMargin: "200px" },
      );
      this._io.observe(this);
    } else if (this.mode !== "popup") {
      this._visible = true;
    }
  }

  private _load(): void {
    this._config = this._type = this._url = this._attempt = this._body = undefined;
    this._attemptTask.abort();
    this._go("loading");
    this._configTask.run();
  }

  private _onConfig(c: BookingConfig): void {
    this._config = c;
    if (c.state !== "bookable") {
      this._go(c.state);
      return;
    }
    const want = this._wantType || this.sessionType;
    const types = c.sessionTypes;
    const type = types.find((s) => s.id === want) ?? (types.length === 1 ? types[0] : undefined);
    if (type) this._choose(type);
    else if (types.length) this._go("choose-session-type");
    else this._go("unavailable");
  }

  private _choose(type: SessionType): void {
    this._type = type;
    this._begin();
  }

  /** With a session type chosen: sign-in if needed, then the calendar (the attempt waits until visible). */
  private _begin(): void {
    this._url = this._attempt = this._body = undefined;
    this._attemptTask.abort();
    if (this._config!.requiresCustomer && !this.customerToken) {
      this._needAuth("customer_token_required");
    } else {
      this._go("calendar");
      if (this._visible) this._attemptTask.run();
    }
  }

  private _show(): void {
    if (this._visible) return;
    this._visible = true;
    if (this._s === "calendar" && !this._attempt) this._attemptTask.run();
    else this._armReady();
  }

  private _needAuth(code: string): void {
    this._go("auth-required");
    this.dispatchEvent(new BawAuthRequiredEvent({ builder: this.builder, code }));
  }

  private _onAttempt(a: BookingAttempt): void {
    this._attempt = a;
    this._seen.clear();
    this._url = calendlyUrl(a.calendlyUrl, this, location.host);
    this._armReady();
  }

  /** The scheduling page outside the embed, for "Open in Calendly". */
  private _directUrl(): string {
    return this._attempt ? calendlyUrl(this._attempt.calendlyUrl, this) : "";
  }

  /** Starts the ready timeout once the iframe is on screen. */
  private _armReady(): void {
    if (this._s !== "calendar" || !this._url || !this._visible) return;
    this._ready = false;
    clearTimeout(this._timer);
    this._timer = setTimeout(
      () =>
        this._fail(new ApiError("ready_timeout", "", true), () => {
          this._go("calendar");
          this._armReady();
        }),
      this._t.ready,
    );
  }

  private _onMessage = (e: MessageEvent): void => {
    const frame = this.renderRoot?.querySelector("iframe");
    if (!frame || e.source !== frame.contentWindow || e.origin !== this._calendlyOrigin) return;
    // The iframe exists only in the calendar state, so nothing gets past this point in any other.
    const m = parseMessage(e.data);
    if (!m) return;
    if (READY_EVENTS.includes(m.event) && !this._ready) {
      this._ready = true;
      clearTimeout(this._timer);
      this.dispatchEvent(new BawReadyEvent({ url: this._url! }));
    }
    if (m.event === "calendly.page_height") {
      this._height = pageHeight(m.payload, MIN_HEIGHT, MAX_HEIGHT) ?? this._height;
    } else if (m.event === "calendly.event_scheduled") {
      const uris = scheduledUris(m.payload);
      if (!uris || this._seen.has(uris.inviteeUri)) return; // dedupe by invitee
      this._seen.add(uris.inviteeUri);
      this._body = { attemptId: this._attempt!.attemptId, ...uris };
      this.dispatchEvent(
        new BawSlotScheduledEvent({
          ...this._body,
          eventUuid: lastSegment(uris.eventUri),
          inviteeUuid: lastSegment(uris.inviteeUri),
        }),
      );
      this._createBooking();
    }
  };

  /** POST /v1/bookings once; Retry re-posts the same body (the service is idempotent). */
  private async _createBooking(): Promise<void> {
    if (this._posting || !this._body) return;
    this._posting = true;
    this._go("creating-checkout");
    try {
      const b = await this._api<CreatedBooking>("/v1/bookings", this._ctl!.signal, this._t.checkout, {
        method: "POST",
        body: this._body,
      });
      this._ref = { id: b.bookingId, token: b.bookingToken };
      this._cancelled = false;
      this._toCheckout(b.bookingId, b.checkoutUrl, b.holdExpiresAt);
    } catch (e) {
      this._fail(e, () => this._createBooking());
    } finally {
      this._posting = false;
    }
  }

  /** Announces the redirect, then navigates the top window; when that is blocked, offers a new tab and polls. */
  private _toCheckout(bookingId: string, checkoutUrl: string, holdExpiresAt: string): void {
    this._blockedUrl = undefined;
    this._go("redirecting");
    const watch = (blocked: boolean) => {
      if (blocked) this._blockedUrl = checkoutUrl;
      this._pollTask.run([this._ref!, false, Math.max(Date.parse(holdExpiresAt), Date.now() + this._t.confirm)]);
    };
    if (!this.dispatchEvent(new BawCheckoutRedirectEvent({ bookingId, checkoutUrl, holdExpiresAt }))) {
      watch(false); // the host navigates itself
    } else if (this.navigate(checkoutUrl) === false) {
      watch(true);
    } else {
      // Still here after the checkout timeout? The navigation never happened (browsers can block it
      // silently): offer the link all the same.
      this._timer = setTimeout(() => watch(true), this._t.checkout);
    }
  }

  private _confirm(): void {
    this._go("confirming");
    this._pollTask.run([this._ref!, this._cancelled, Date.now() + this._t.confirm]);
  }

  /** Polls the booking (see `pollBooking`), loading the result module on the way. */
  private async _poll(ref: BookingRef, cancelled: boolean, deadline: number, signal: AbortSignal): Promise<Booking> {
    const path =
      "id" in ref
        ? `/v1/bookings/${encodeURIComponent(ref.id)}`
        : `/v1/bookings/by-checkout-session/${encodeURIComponent(ref.sessionId)}`;
    const token = "id" in ref ? ref.token : undefined;
    result = await import("./booking-result.js").catch(() => {
      throw new ApiError("network", "", true);
    });
    return result.pollBooking(() => this._api(path, signal, this._t.confirm, { token }), cancelled, deadline, signal);
  }

  private _onBooking(b: Booking): void {
    this._booking = b;
    const s = b.status;
    if (s === "CONFIRMED") {
      this._go("confirmed");
      this.dispatchEvent(new BawBookingConfirmedEvent({ booking: b }));
    } else if (s === "PENDING_PAYMENT") {
      const left = Date.parse(b.holdExpiresAt ?? "") - Date.now();
      if (left > 0 && b.checkoutUrl) {
        this._go("payment-cancelled");
        this._timer = setTimeout(() => this._go("hold-expired"), left);
      } else {
        this._go("hold-expired");
      }
    } else {
      if (s === "EXPIRED" || s === "FAILED") this._go(s === "EXPIRED" ? "hold-expired" : "payment-failed");
      else this._fail(new ApiError("booking_cancelled", "", false), () => {});
    }
  }

  /** "Book another time": forget the booking and the return parameters, and start at the calendar. */
  private _again(): void {
    this._wantType = this._booking?.sessionType.id ?? this._type?.id;
    this._booking = this._ref = this._blockedUrl = undefined;
    this._pollTask.abort();
    history.replaceState(history.state, "", stripReturn(location.href));
    this.bookingId = this.bookingToken = this.checkoutSession = undefined;
    this._load();
  }

  private _fail(e: unknown, retry: () => void): void {
    if (isAbort(e) || !this.isConnected) return;
    const err = e instanceof ApiError ? e : new ApiError("unknown", String(e), false);
    const t = this._strings;
    const message = err.message || t[err.code as keyof Strings] || t.unknown;
    const state = this._s;
    this._err = { code: err.code, message, retryable: err.retryable };
    this._retry = retry;
    this._go("error");
    this.dispatchEvent(new BawErrorEvent({ code: err.code, message, retryable: err.retryable, state }));
  }

  private _open(): void {
    const d = this.renderRoot.querySelector("dialog");
    if (d && !d.open) d.showModal();
    this._show();
  }

  private _close(): void {
    this.renderRoot.querySelector("dialog")?.close();
  }

  private _onClose(): void {
    this.renderRoot.querySelector<HTMLElement>("[part~=open-button]")?.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "baw-book-builder": BawBookBuilder;
  }
}
