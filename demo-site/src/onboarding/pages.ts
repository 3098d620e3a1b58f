// The "Become a builder" pages: a profile form, connecting Calendly, pricing a session, setting up
// payouts, and the result. Every value is escaped by `html`; every form carries the session's token.
import { formatDuration, formatPrice } from "../catalog.js";
import { html, type Markup } from "../html.js";
import { avatar, market, type PageEnv } from "../pages.js";
import type { CalendlyEventType, OnboardingBuilder } from "./partner-client.js";

export type Step = "profile" | "calendly" | "session" | "payouts" | "done";

/** Field name → what is wrong with it; `form` for what belongs to no field. */
export type FieldErrors = Partial<Record<string, string>>;

export const CURRENCIES = ["usd", "eur", "gbp"] as const;

export const REFUND_POLICY_LABELS = {
  FULL: "Always refund a cancelled session",
  CUTOFF: "Refund when cancelled early enough",
  NONE: "Never refund",
} as const;

function stepper(current: Step, withPayouts: boolean): Markup {
  const steps: [Step, string][] = [
    ["profile", "Profile"],
    ["calendly", "Connect Calendly"],
    ["session", "Price a session"],
    ...(withPayouts ? ([["payouts", "Set up payouts"]] as [Step, string][]) : []),
    ["done", "On the marketplace"],
  ];
  const at = steps.findIndex(([s]) => s === current);
  return html`<ol class="onboard-steps" aria-label="Onboarding steps">
    ${steps.map(
      ([step, label], i) =>
        html`<li data-step="${step}"${i < at || current === "done" ? html` data-done` : ""}${i === at ? html` aria-current="step"` : ""}><span class="step-n">${i + 1}</span>${label}</li>`,
    )}
  </ol>`;
}

function page(env: PageEnv, title: string, step: Step, withPayouts: boolean, body: Markup): string {
  return market(
    env,
    { title, nav: "join" },
    html`<div class="wrap page onboard">
      <p class="eyebrow">Become a builder</p>
      ${stepper(step, withPayouts)}
      ${body}
    </div>`,
  );
}

function alert(message: string | undefined, kind: "bad" | "ok" | "info" = "bad"): Markup | "" {
  if (!message) return "";
  return html`<div class="alert alert-${kind}" role="${kind === "bad" ? "alert" : "status"}" data-alert="${kind}">${message}</div>`;
}

function fieldError(errors: FieldErrors, name: string): Markup | "" {
  const message = errors[name];
  return message ? html`<p class="field-error" id="${name}-error">${message}</p>` : "";
}

const invalid = (errors: FieldErrors, name: string): Markup | "" =>
  errors[name] ? html` aria-invalid="true" aria-describedby="${name}-error"` : "";

const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}" />`;

// ---- 1. Profile -------------------------------------------------------------------------------

export interface ProfileValues {
  slug: string;
  name: string;
  headline: string;
  bio: string;
  refundPolicy: string;
  refundCutoffHours: string;
}

export const EMPTY_PROFILE: ProfileValues = {
  slug: "",
  name: "",
  headline: "",
  bio: "",
  refundPolicy: "FULL",
  refundCutoffHours: "24",
};

export function profileStep(
  env: PageEnv,
  o: {
    csrf: string;
    values: ProfileValues;
    errors: FieldErrors;
    notice?: string;
    /** The builder this visitor is already onboarding, and the step they stopped at. */
    current?: { builder: OnboardingBuilder; next: string };
    withPayouts: boolean;
  },
): string {
  const v = o.values;
  const e = o.errors;
  return page(
    env,
    "Become a builder",
    "profile",
    o.withPayouts,
    html`<h1 class="page-title">Sell your sessions on the marketplace</h1>
      <p class="lede">
        Create your profile, connect your Calendly so customers book straight into your calendar, and price a session.
        Customers pay when they book.
      </p>
      ${alert(o.notice, "info")}
      ${
        o.current
          ? html`<div class="alert alert-info" role="status" data-continue>
              You're onboarding <strong>${o.current.builder.name}</strong>.
              <a href="${o.current.next}">Continue where you left off</a>, or create another profile below.
            </div>`
          : ""
      }
      ${alert(e.form)}
      <form class="card form" method="post" action="/become-a-builder" novalidate>
        ${csrfField(o.csrf)}
        <h2>Your profile</h2>
        <div class="field">
          <label for="name">Name</label>
          <input id="name" name="name" value="${v.name}" required maxlength="200" autocomplete="name"${invalid(e, "name")} />
          ${fieldError(e, "name")}
        </div>
        <div class="field">
          <label for="slug">Profile address</label>
          <div class="input-prefix"><span class="prefix" aria-hidden="true">/builders/</span><input id="slug" name="slug" value="${v.slug}" required maxlength="64" pattern="[a-z0-9]+(-[a-z0-9]+)*" autocapitalize="none" spellcheck="false"${invalid(e, "slug")} /></div>
          <p class="hint">Lower-case letters, digits and single hyphens, e.g. <code>ada-lovelace</code>.</p>
          ${fieldError(e, "slug")}
        </div>
        <div class="field">
          <label for="headline">Headline</label>
          <input id="headline" name="headline" value="${v.headline}" maxlength="300"${invalid(e, "headline")} />
          ${fieldError(e, "headline")}
        </div>
        <div class="field">
          <label for="bio">About you</label>
          <textarea id="bio" name="bio" rows="4" maxlength="5000"${invalid(e, "bio")}>${v.bio}</textarea>
          ${fieldError(e, "bio")}
        </div>
        <fieldset class="field">
          <legend>Refund policy</legend>
          ${Object.entries(REFUND_POLICY_LABELS).map(
            ([value, label]) =>
              html`<label class="choice"><input type="radio" name="refundPolicy" value="${value}"${v.refundPolicy === value ? html` checked` : ""} /> ${label}</label>`,
          )}
          ${fieldError(e, "refundPolicy")}
          <div class="field field-inline">
            <label for="refundCutoffHours">Early enough means, in hours before the start</label>
            <input id="refundCutoffHours" name="refundCutoffHours" value="${v.refundCutoffHours}" inputmode="numeric" size="5"${invalid(e, "refundCutoffHours")} />
            ${fieldError(e, "refundCutoffHours")}
          </div>
        </fieldset>
        <button class="button" type="submit">Create profile and continue</button>
      </form>`,
  );
}

// ---- 2. Calendly ------------------------------------------------------------------------------

/**
 * What the visitor reads after coming back from Calendly without a connection, for each
 * `reason` the service's callback names.
 */
export function calendlyProblem(reason: string): { title: string; message: string } {
  switch (reason) {
    case "consent_denied":
      return {
        title: "You didn't allow access",
        message:
          "You chose Deny on Calendly's consent page, so nothing was connected and your calendar stays private. " +
          "Customers can only book you once your Calendly is connected.",
      };
    case "state_expired":
      return {
        title: "That consent page has expired",
        message: "Calendly's consent page was left open too long (more than 10 minutes). Start the connection again.",
      };
    case "state_used":
      return {
        title: "That consent page was already used",
        message: "This answer from Calendly had already been used once. Start the connection again.",
      };
    case "code_rejected":
      return {
        title: "Calendly didn't confirm the sign-in",
        message: "Calendly refused the sign-in it had just given (it expired or was used twice). Try again.",
      };
    case "scopes_missing":
      return {
        title: "Calendly didn't grant everything the marketplace needs",
        message:
          "To take bookings, the marketplace must read your event types and scheduled events, cancel unpaid ones, " +
          "and be told about new bookings. Connect again and allow all of it.",
      };
    case "calendly_rate_limited":
    case "calendly_unavailable":
      return {
        title: "Calendly isn't answering right now",
        message: "Nothing was connected. Wait a minute, then try again.",
      };
    default:
      return {
        title: "Calendly couldn't be connected",
        message: `Nothing was connected (reason: ${reason || "none given"}). Try again.`,
      };
  }
}

export function calendlyStep(
  env: PageEnv,
  o: {
    csrf: string;
    builder: OnboardingBuilder;
    /** The builder's own Calendly is connected. */
    connected: boolean;
    problem?: { title: string; message: string };
    withPayouts: boolean;
  },
): string {
  const c = o.builder.calendly;
  return page(
    env,
    "Connect Calendly",
    "calendly",
    o.withPayouts,
    html`<h1 class="page-title">Connect your Calendly</h1>
      <p class="lede">
        Customers pick a time in your own Calendly, so your availability is always right. You'll sign in to Calendly and
        allow the marketplace to read your event types and manage the bookings made through it.
      </p>
      ${
        o.problem
          ? html`<div class="alert alert-bad" role="alert" data-alert="bad" data-calendly-problem>
              <strong>${o.problem.title}</strong>
              <p>${o.problem.message}</p>
            </div>`
          : ""
      }
      <div class="card">
        <div class="mini-profile">${avatar(o.builder, "md")}<div><b>${o.builder.name}</b><br /><span class="muted">${o.builder.headline}</span></div></div>
        ${
          o.connected
            ? html`<p data-calendly-connected>Connected to Calendly${c?.user?.name ? html` as <strong>${c.user.name}</strong>` : ""}.</p>
                <div class="actions"><a class="button" href="/become-a-builder/session">Continue</a></div>`
            : html`<form method="post" action="/become-a-builder/calendly" class="actions">
                ${csrfField(o.csrf)}
                <button class="button" type="submit">${o.problem ? "Try again" : "Connect Calendly"}</button>
                <a class="button button-ghost" href="/become-a-builder">Start over</a>
              </form>`
        }
      </div>`,
  );
}

// ---- 3. Session and price ---------------------------------------------------------------------

export interface SessionValues {
  eventType: string;
  price: string;
  currency: string;
}

export function sessionStep(
  env: PageEnv,
  o: {
    csrf: string;
    builder: OnboardingBuilder;
    eventTypes: CalendlyEventType[];
    /** Why the event types could not be read (e.g. `calendly_rate_limited`). */
    readError?: string;
    values: SessionValues;
    errors: FieldErrors;
    withPayouts: boolean;
  },
): string {
  const v = o.values;
  const e = o.errors;
  const offered = o.builder.sessionTypes.filter((s) => s.active);
  return page(
    env,
    "Price a session",
    "session",
    o.withPayouts,
    html`<h1 class="page-title">Choose what customers book</h1>
      <p class="lede">
        Pick one of your Calendly event types and set its price. Customers see your calendar for that event type and pay
        this price when they book.
      </p>
      ${alert(e.form)}
      ${
        offered.length > 0
          ? html`<div class="alert alert-info" role="status">
              You already offer ${offered.map((s, i) => html`${i ? ", " : ""}<strong>${s.name}</strong> (${formatPrice(s.price.amount, s.price.currency)})`)}.
              <a href="${o.withPayouts ? "/become-a-builder/payouts" : "/become-a-builder/done"}">Skip to the next step</a>
            </div>`
          : ""
      }
      ${
        o.readError
          ? html`<div class="card" data-event-types-error>
              <h2>Your event types couldn't be read</h2>
              <p>Calendly didn't answer just now (${o.readError}). Wait a minute, then reload this page.</p>
              <a class="button" href="/become-a-builder/session">Reload</a>
            </div>`
          : o.eventTypes.length === 0
            ? html`<div class="card" data-no-event-types>
              <h2>No event types in your Calendly</h2>
              <p>Create an event type in Calendly (for example a 60-minute video call), then reload this page.</p>
              <a class="button" href="/become-a-builder/session">Reload</a>
            </div>`
            : html`<form class="card form" method="post" action="/become-a-builder/session" novalidate>
              ${csrfField(o.csrf)}
              <fieldset class="field">
                <legend>Calendly event type</legend>
                ${o.eventTypes.map(
                  (t) =>
                    html`<label class="choice choice-card"><input type="radio" name="eventType" value="${t.uri}"${v.eventType === t.uri ? html` checked` : ""} />
                      <span><strong>${t.name}</strong><br /><span class="muted">${formatDuration(t.durationMinutes)}</span></span></label>`,
                )}
                ${fieldError(e, "eventType")}
              </fieldset>
              <div class="field field-row">
                <div>
                  <label for="price">Price</label>
                  <input id="price" name="price" value="${v.price}" inputmode="decimal" size="8" placeholder="150.00"${invalid(e, "price")} />
                </div>
                <div>
                  <label for="currency">Currency</label>
                  <select id="currency" name="currency">
                    ${CURRENCIES.map((c) => html`<option value="${c}"${v.currency === c ? html` selected` : ""}>${c.toUpperCase()}</option>`)}
                  </select>
                </div>
              </div>
              ${fieldError(e, "price")} ${fieldError(e, "currency")}
              <button class="button" type="submit">Offer this session</button>
            </form>`
      }`,
  );
}

// ---- 4. Payouts -------------------------------------------------------------------------------

const PAYOUT_WORDS: Record<string, [string, "ok" | "warn" | "bad" | ""]> = {
  enabled: ["Payouts enabled", "ok"],
  onboarding: ["Onboarding not finished", "warn"],
  restricted: ["Restricted by Stripe", "bad"],
  disconnected: ["Disconnected", "bad"],
  not_started: ["Not set up", ""],
};

export function payoutsStep(
  env: PageEnv,
  o: { csrf: string; builder: OnboardingBuilder; error?: string; returned?: boolean },
): string {
  const p = o.builder.payouts;
  const status = p?.status ?? "not_started";
  const [label, tone] = PAYOUT_WORDS[status] ?? [status, ""];
  return page(
    env,
    "Set up payouts",
    "payouts",
    true,
    html`<h1 class="page-title">Get paid for your sessions</h1>
      <p class="lede">
        Customers pay the marketplace; Stripe pays your share out to your bank account. Stripe asks who you are and where to
        send the money.
      </p>
      ${alert(o.error)}
      ${
        o.returned && status !== "enabled"
          ? alert(
              "Stripe hasn't enabled payouts yet: the onboarding isn't finished. Continue it to start taking bookings.",
              "info",
            )
          : ""
      }
      <div class="card">
        <dl class="facts">
          <div><dt>Payout status</dt><dd><span class="status" data-tone="${tone}" data-payout-status="${status}">${label}</span></dd></div>
          ${p?.reason ? html`<div><dt>Why</dt><dd>${p.reason}</dd></div>` : ""}
        </dl>
        ${
          status === "enabled"
            ? html`<div class="actions"><a class="button" href="/become-a-builder/done">Continue</a></div>`
            : html`<form method="post" action="/become-a-builder/payouts" class="actions">
                ${csrfField(o.csrf)}
                <button class="button" type="submit">${status === "not_started" ? "Set up payouts with Stripe" : "Continue with Stripe"}</button>
              </form>`
        }
      </div>`,
  );
}

// ---- 5. Done ----------------------------------------------------------------------------------

export function doneStep(
  env: PageEnv,
  o: { builder: OnboardingBuilder; withPayouts: boolean; balance?: { amount: number; currency: string }[] },
): string {
  const b = o.builder;
  const session = b.sessionTypes.find((s) => s.active);
  const bookable = b.state === "bookable";
  return page(
    env,
    "You're on the marketplace",
    "done",
    o.withPayouts,
    html`<h1 class="page-title">${bookable ? "You're taking bookings" : "You're on the marketplace"}</h1>
      <div class="card done-card">
        <div class="mini-profile">${avatar(b, "md")}<div><b>${b.name}</b><br /><span class="muted">${b.headline}</span></div></div>
        <dl class="facts">
          ${session ? html`<div><dt>Session</dt><dd>${session.name} · ${formatDuration(session.durationMinutes)}</dd></div>` : ""}
          ${session ? html`<div><dt>Price</dt><dd>${formatPrice(session.price.amount, session.price.currency)}</dd></div>` : ""}
          <div><dt>Status</dt><dd><span class="status" data-tone="${bookable ? "ok" : "warn"}" data-builder-state="${b.state}">${bookable ? "Taking bookings" : "Not taking bookings yet"}</span></dd></div>
          ${!bookable && b.reason ? html`<div><dt>Why</dt><dd>${b.reason}</dd></div>` : ""}
          ${
            o.balance
              ? html`<div><dt>Sandbox Stripe balance</dt><dd data-balance>${
                  o.balance.length === 0
                    ? "Nothing yet"
                    : o.balance.map((m, i) => html`${i ? ", " : ""}${formatPrice(m.amount, m.currency)}`)
                }</dd></div>`
              : ""
          }
        </dl>
        <div class="actions">
          <a class="button" href="/builders/${b.slug}">See your profile</a>
          <a class="button button-ghost" href="/builders/${b.slug}/book">Open your booking page</a>
        </div>
      </div>`,
  );
}

// ---- Problems ---------------------------------------------------------------------------------

/** A page for a request the onboarding can't serve, with the way forward. */
export function problemPage(
  env: PageEnv,
  o: { title: string; message: string; action: { href: string; label: string } },
): string {
  return market(
    env,
    { title: o.title, nav: "join" },
    html`<div class="wrap page narrow onboard" data-problem>
      <h1 class="page-title">${o.title}</h1>
      <p class="lede">${o.message}</p>
      <a class="button" href="${o.action.href}">${o.action.label}</a>
    </div>`,
  );
}
