// Server-rendered pages of the three demo origins: the marketplace, a builder's own site, and
// a site whose origin is not on the allowlist. Behaviour lives in /assets/app.js; the booking
// itself is the <baw-book-builder> element.
import { type Builder, formatDuration, formatPrice, hueOf, initials } from "./catalog.js";
import { html, type Markup, raw } from "./html.js";

/** What a page needs to know about the running demo. */
export interface PageEnv {
  /** The booking service as the browser reaches it. */
  apiBase: string;
  /** The publishable key this origin's pages use. */
  siteKey: string;
  /** Absolute URL of the widget's CDN bundle. */
  widgetSrc: string;
  links: { marketplace: string; builderSite: string; blocked: string };
  /** Calendly or Stripe is the local sandbox: pages say so in a banner from the first paint. */
  sandbox: boolean;
}

const BRAND = "Build Apps With";
const PRIMARY = "4f46e5";

export function avatar(b: Pick<Builder, "slug" | "name">, size: "sm" | "md" | "lg"): Markup {
  const hue = hueOf(b.slug);
  const id = `av-${b.slug}-${size}`;
  return html`<svg class="avatar avatar-${size}" viewBox="0 0 80 80" role="img" aria-label="${b.name}">
    <defs>
      <linearGradient id="${id}" x1="0" y1="0" x2="1" y2="1">
        <stop offset="0" stop-color="hsl(${hue} 72% 62%)" />
        <stop offset="1" stop-color="hsl(${(hue + 48) % 360} 68% 42%)" />
      </linearGradient>
    </defs>
    <circle cx="40" cy="40" r="40" fill="url(#${id})" />
    <text x="40" y="40" dy="0.35em" text-anchor="middle" font-size="${initials(b.name).length > 1 ? 28 : 34}" font-weight="650" fill="#fff">${initials(b.name)}</text>
  </svg>`;
}

const logo = html`<svg class="logo-mark" viewBox="0 0 32 32" aria-hidden="true">
  <rect width="32" height="32" rx="9" fill="currentColor" />
  <path d="M9 21.5 14 10.5h4l5 11h-3.6l-1-2.4h-4.9l-1 2.4Zm5.6-5.3h2.8L16 12.6Z" fill="#fff" />
</svg>`;

/** The builder's first session type on offer, formatted for the page. */
function sessionOf(b: Builder) {
  const st = b.sessionTypes.find((s) => s.active);
  if (!st) return { name: "No sessions on offer yet", price: "", duration: "" };
  return {
    name: st.name,
    price: formatPrice(st.price.amount, st.price.currency),
    duration: formatDuration(st.durationMinutes),
  };
}

function badge(b: Builder): Markup {
  if (b.isDemo) return html`<span class="badge badge-demo" title="Example profile: not bookable">Demo</span>`;
  return b.state === "bookable"
    ? html`<span class="badge badge-live">Taking bookings</span>`
    : html`<span class="badge badge-demo" title="${b.reason ?? ""}">Not taking bookings</span>`;
}

export function bookingElement(
  env: PageEnv,
  builder: string,
  opts: { browseUrl?: string; id?: string; primaryColor?: string; flow?: BookingFlow } = {},
): Markup {
  return html`<baw-book-builder
    id="${opts.id ?? "booking"}"
    builder="${builder}"
    ${opts.flow === "pay-first" ? html`flow="pay-first"` : ""}
    site-key="${env.siteKey}"
    api-base="${env.apiBase}"
    browse-url="${opts.browseUrl ?? "/"}"
    primary-color="${opts.primaryColor ?? PRIMARY}"
  ></baw-book-builder>`;
}

interface LayoutOptions {
  title: string;
  description?: string;
  theme?: "marketplace" | "builder" | "blog" | "frame";
  /** Loads the widget bundle. */
  widget?: boolean;
  /** Shows the sandbox banner when the demo runs with the sandbox (default); false on foreign-looking pages. */
  banner?: boolean;
  header?: Markup;
  footer?: Markup;
  bodyClass?: string;
}

function layout(env: PageEnv, opts: LayoutOptions, main: Markup): string {
  const theme = opts.theme ?? "marketplace";
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${opts.title}</title>
    <meta name="description" content="${opts.description ?? "Book 1:1 build sessions with independent builders."}" />
    <meta name="baw-api" content="${env.apiBase}" />
    <meta name="baw-site-key" content="${env.siteKey}" />
    <meta name="color-scheme" content="light" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="/assets/site.css" />
    <script type="module" src="/assets/app.js"></script>
    ${opts.widget ? html`<script type="module" src="${env.widgetSrc}"></script>` : ""}
  </head>
  <body class="theme-${theme}${opts.bodyClass ? ` ${opts.bodyClass}` : ""}">
    <a class="skip-link" href="#main">Skip to content</a>
    ${
      // Rendered with the page (not after a request), so it never shifts the layout nor vanishes
      // when the service is busy; an <aside> is a landmark, so its text is inside one.
      env.sandbox && opts.banner !== false
        ? html`<aside class="sandbox-banner" id="sandbox-banner" aria-label="Sandbox mode">
            <strong>Sandbox mode</strong>
            <span>Calendly and Stripe are simulated locally: no real bookings, no real money. Any name and email work.</span>
          </aside>`
        : ""
    }
    ${opts.header ?? ""}
    <main id="main" tabindex="-1">${main}</main>
    ${opts.footer ?? ""}
  </body>
</html>
`.value;
}

// ---------------------------------------------------------------------------------------------
// Marketplace (http://localhost:8080)

type NavKey = "builders" | "how" | "embeds" | "join" | "";

function marketHeader(active: NavKey): Markup {
  const link = (href: string, label: string, key: string) =>
    html`<a href="${href}"${active === key ? raw(' aria-current="page"') : ""}>${label}</a>`;
  return html`<header class="site-header">
    <div class="wrap header-row">
      <a class="brand" href="/">${logo}<span>${BRAND}</span></a>
      <nav aria-label="Main">
        ${link("/#builders", "Builders", "builders")} ${link("/#how-it-works", "How it works", "how")}
        ${link("/embeds", "Embed demos", "embeds")} ${link("/become-a-builder", "Become a builder", "join")}
      </nav>
    </div>
  </header>`;
}

function marketFooter(): Markup {
  return html`<footer class="site-footer">
    <div class="wrap footer-row">
      <span class="brand brand-quiet">${logo}<span>${BRAND}</span></span>
      <p>Scheduling by Calendly · Payments by Stripe · Booking by <code>&lt;baw-book-builder&gt;</code></p>
    </div>
  </footer>`;
}

/** A marketplace page: its header (with `nav` the current item) and footer around `main`. */
export function market(
  env: PageEnv,
  opts: Omit<LayoutOptions, "header" | "footer"> & { nav?: NavKey },
  main: Markup,
): string {
  return layout(
    env,
    {
      ...opts,
      title: `${opts.title} · ${BRAND}`,
      header: marketHeader(opts.nav ?? ""),
      footer: marketFooter(),
    },
    main,
  );
}

function builderCard(b: Builder): Markup {
  const s = sessionOf(b);
  return html`<li class="card builder-card${b.isDemo ? " is-demo" : ""}" data-builder="${b.slug}">
    <a class="builder-card-link" href="/builders/${b.slug}">
      ${avatar(b, "md")}
      <span class="builder-card-text">
        <span class="builder-card-name">${b.name} ${badge(b)}</span>
        <span class="builder-card-headline">${b.headline}</span>
      </span>
    </a>
    <div class="builder-card-foot">
      <span>${s.name} · ${s.duration}</span>
      <strong>${s.price}</strong>
    </div>
  </li>`;
}

export function homePage(env: PageEnv, builders: readonly Builder[]): string {
  // The hero features the first builder taking bookings.
  const liam = builders.find((b) => b.state === "bookable") ?? builders.find((b) => !b.isDemo) ?? builders[0];
  if (!liam) return emptyCataloguePage(env);
  return market(
    env,
    { title: "Book a builder", nav: "builders" },
    html`<section class="hero">
        <div class="wrap hero-grid">
          <div>
            <p class="eyebrow">1:1 sessions with people who ship</p>
            <h1>Get your app built with a builder, live.</h1>
            <p class="lede">
              Pick a time in a builder's calendar, pay securely, and spend the session building: scoping,
              architecture and real code on your project.
            </p>
            <div class="actions">
              <a class="button" href="/builders/${liam.slug}/book">Book ${liam.name}</a>
              <a class="button button-ghost" href="#builders">Browse builders</a>
            </div>
          </div>
          <div class="hero-card card" aria-hidden="true">
            <div class="hero-card-head">${avatar(liam, "sm")}<span><b>${liam.name}</b><br /><small>${sessionOf(liam).name}</small></span></div>
            <div class="hero-slots">
              <span>Mon 10:00</span><span class="is-picked">Tue 14:00</span><span>Wed 09:30</span><span>Thu 16:00</span>
            </div>
            <div class="hero-pay"><span>Total</span><b>${sessionOf(liam).price}</b></div>
          </div>
        </div>
      </section>
      <section class="wrap section" id="builders" aria-labelledby="builders-title">
        <div class="section-head">
          <h2 id="builders-title">Builders</h2>
          <p>${builders.length} builders · profiles marked <span class="badge badge-demo">Demo</span> are examples and can't be booked.</p>
        </div>
        <ul class="builder-grid" role="list">
          ${builders.map(builderCard)}
        </ul>
      </section>
      <section class="section section-tint" id="how-it-works" aria-labelledby="how-title">
        <div class="wrap">
          <h2 id="how-title">How it works</h2>
          <ol class="steps-grid">
            <li><span class="step-num">1</span><h3>Pick a time</h3><p>Choose a slot in the builder's own calendar, right on the page.</p></li>
            <li><span class="step-num">2</span><h3>Pay securely</h3><p>Checkout opens on Stripe. We hold your slot while you pay.</p></li>
            <li><span class="step-num">3</span><h3>Start building</h3><p>You get a confirmation right away and a calendar invite by email.</p></li>
          </ol>
        </div>
      </section>`,
  );
}

export function profilePage(env: PageEnv, b: Builder): string {
  const s = sessionOf(b);
  return market(
    env,
    { title: b.name, description: b.headline, nav: "builders" },
    html`<div class="wrap page">
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/">Builders</a><span aria-hidden="true">/</span><span aria-current="page">${b.name}</span></nav>
      <div class="profile-grid">
        <article class="profile">
          <header class="profile-head">
            ${avatar(b, "lg")}
            <div>
              <h1>${b.name} ${badge(b)}</h1>
              <p class="lede">${b.headline}</p>
            </div>
          </header>
          <h2>About</h2>
          <p>${b.bio}</p>
          <h2>In a session</h2>
          <ul class="checks">
            <li>We agree on a goal in the first five minutes.</li>
            <li>We work on your code or your idea, screen shared.</li>
            <li>You leave with working software and written next steps.</li>
          </ul>
        </article>
        <aside class="card session-card" aria-labelledby="session-title">
          <h2 id="session-title">${s.name}</h2>
          <p class="price">${s.price}</p>
          <p class="muted">${s.duration} · video call</p>
          ${
            b.isDemo
              ? html`<p class="note">This is a demo profile, shown to illustrate the marketplace. It can't be booked.</p>
                  <a class="button button-ghost block" href="/builders/${b.slug}/book">See the booking page</a>`
              : html`<a class="button block" href="/builders/${b.slug}/book">Book a session</a>
                  <p class="muted small">Pick a time, then pay on Stripe. Your slot is held while you pay.</p>
                  <a class="button button-ghost block" href="/builders/${b.slug}/book?flow=pay-first" data-pay-first>Pay first, then book</a>
                  <p class="muted small">Pick a time here and pay; ${b.name}'s calendar is booked only once the payment succeeds.</p>`
          }
        </aside>
      </div>
    </div>`,
  );
}

function progress(flow: BookingFlow): Markup {
  return html`<ol class="progress" data-progress aria-label="Booking progress">
    <li data-step="pick" aria-current="step"><span>1</span>Pick a time</li>
    <li data-step="pay"><span>2</span>Pay</li>
    <li data-step="done"><span>3</span>${flow === "pay-first" ? "Booked in the calendar" : "Confirmed"}</li>
  </ol>`;
}

export type BookingFlow = "embedded" | "pay-first";

export function bookingPage(env: PageEnv, b: Builder, flow: BookingFlow = "embedded"): string {
  const s = sessionOf(b);
  return market(
    env,
    { title: `Book ${b.name}`, widget: true, nav: "builders" },
    html`<div class="wrap page">
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/">Builders</a><span aria-hidden="true">/</span><a href="/builders/${b.slug}">${b.name}</a><span aria-hidden="true">/</span><span aria-current="page">Book</span></nav>
      <div class="booking-grid">
        <aside class="card booking-aside">
          <div class="mini-profile">${avatar(b, "md")}<div><b>${b.name}</b> ${b.isDemo ? badge(b) : ""}<br /><span class="muted">${b.headline}</span></div></div>
          <dl class="facts">
            <div><dt>Session</dt><dd>${s.name}</dd></div>
            <div><dt>Length</dt><dd>${s.duration}</dd></div>
            <div><dt>Price</dt><dd>${s.price}</dd></div>
          </dl>
          ${b.isDemo ? "" : progress(flow)}
          ${
            flow === "pay-first" && !b.isDemo
              ? html`<p class="small" data-flow-note>Pay first: you pick a time here and pay, and only then is it booked in ${b.name}'s calendar. Calendly sends its confirmation after your payment, never before.</p>`
              : ""
          }
          <p class="muted small">Payments are processed by Stripe. We never see your card details.</p>
        </aside>
        <section class="card widget-card" aria-label="Book ${b.name}">
          <h1 class="visually-hidden">Book a session with ${b.name}</h1>
          ${bookingElement(env, b.slug, { flow })}
        </section>
      </div>
    </div>`,
  );
}

function summaryCard(): Markup {
  return html`<section class="card summary-card" data-booking-summary aria-labelledby="summary-title" aria-busy="true">
    <h2 id="summary-title">Booking details</h2>
    <p class="muted" data-summary-placeholder>Loading your booking…</p>
    <dl class="facts" data-summary-facts hidden>
      <div><dt>Status</dt><dd><span class="status" data-field="status"></span></dd></div>
      <div><dt>Builder</dt><dd data-field="builder"></dd></div>
      <div><dt>Session</dt><dd data-field="session"></dd></div>
      <div><dt>When</dt><dd data-field="time"></dd></div>
      <div><dt data-field="amount-label">Amount</dt><dd data-field="amount"></dd></div>
      <div><dt>Reference</dt><dd><code data-field="reference"></code></dd></div>
    </dl>
    <p class="muted small" data-field="timezone"></p>
  </section>`;
}

/**
 * The return pages' own text follows the element's state (public/app.js, on baw-state-change):
 * `data-page-title`/`data-page-lede` take the state's wording and `data-when` blocks show only in
 * the states they list. Until the element reports, they show the neutral "confirming" text.
 */
function returnHeading(title: string): Markup {
  return html`<h1 class="page-title" data-page-title>${title}</h1>
    <p class="lede" data-page-lede>We're checking your payment with Stripe. This takes a few seconds.</p>`;
}

/** Shown after a confirmed booking only (the element itself lists the booking's details). */
function nextSteps(): Markup {
  return html`<section class="card" data-when="confirmed" hidden>
    <h2>What happens next</h2>
    <ul class="checks">
      <li>A calendar invite is on its way to your inbox.</li>
      <li>Your builder gets your notes before the session.</li>
      <li>Need another time? Reschedule from the invite.</li>
    </ul>
    <a class="button button-ghost" href="/">Browse more builders</a>
  </section>`;
}

/** The booking's details where the element shows none: while paying and after a payment that did not complete. */
function detailsWhileUnpaid(backLink: Markup): Markup {
  return html`<div class="stack">
    <div data-when="confirming payment-cancelled hold-expired payment-failed error scheduling needs-new-time refunded" hidden>${summaryCard()}</div>
    ${nextSteps()}
    <div data-unless="confirmed">${backLink}</div>
  </div>`;
}

/**
 * Sandbox only: what the fake Calendly holds for a pay-first booking, so the visitor sees that the
 * calendar was booked after the payment and not before (public/app.js fills it in).
 */
function calendlyProof(env: PageEnv): Markup {
  if (!env.sandbox) return html``;
  return html`<section class="card" data-calendly-proof hidden aria-live="polite" aria-labelledby="proof-title">
    <h2 id="proof-title">In the sandbox's Calendly</h2>
    <p data-proof-text>Checking the calendar…</p>
  </section>`;
}

/** The success_url target (the site's return page): the element confirms the payment. */
export function confirmationPage(env: PageEnv): string {
  return market(
    env,
    { title: "Your booking", widget: true, bodyClass: "return-page" },
    html`<div class="wrap page">
      ${returnHeading("Your booking")}
      <div class="return-grid">
        <section class="card widget-card" aria-label="Booking status">${bookingElement(env, "liam")}</section>
        <div class="stack">
          ${calendlyProof(env)}
          ${detailsWhileUnpaid(html`<a class="back-link" href="/">← Back to all builders</a>`)}
        </div>
      </div>
    </div>`,
  );
}

/** The cancel_url target: the visitor left checkout without paying. */
export function cancelledPage(env: PageEnv): string {
  return market(
    env,
    { title: "Payment not completed", widget: true, bodyClass: "return-page" },
    html`<div class="wrap page">
      ${returnHeading("Payment not completed")}
      <div class="return-grid">
        <section class="card widget-card" aria-label="Booking status">${bookingElement(env, "liam")}</section>
        ${detailsWhileUnpaid(html`<a class="back-link" href="/">← Back to all builders</a>`)}
      </div>
    </div>`,
  );
}

export function embedsPage(env: PageEnv): string {
  return market(
    env,
    { title: "Embed demos", nav: "embeds" },
    html`<div class="wrap page">
      <h1 class="page-title">One element, any page</h1>
      <p class="lede">
        <code>&lt;baw-book-builder&gt;</code> works anywhere with one script tag. Each site has a publishable key that
        names the origins allowed to use it.
      </p>
      <ul class="demo-grid" role="list">
        <li class="card">
          <h2>A builder's own site</h2>
          <p>Liam's personal site on another origin, with its own site key. Proves cross-origin embedding and CORS.</p>
          <a class="button" href="${env.links.builderSite}">Open ${new URL(env.links.builderSite).host}</a>
        </li>
        <li class="card">
          <h2>An origin that isn't allowed</h2>
          <p>A blog reusing the marketplace's key from an origin that key doesn't list. The service refuses it.</p>
          <a class="button button-ghost" href="${env.links.blocked}">Open ${new URL(env.links.blocked).host}</a>
        </li>
        <li class="card">
          <h2>A sandboxed iframe</h2>
          <p>The element inside <code>&lt;iframe sandbox&gt;</code> without top navigation: checkout opens in a new tab.</p>
          <a class="button button-ghost" href="/embed/sandboxed">Open the sandboxed embed</a>
        </li>
      </ul>
    </div>`,
  );
}

export const SANDBOX_FLAGS = "allow-scripts allow-same-origin allow-popups allow-forms";

export function sandboxedHostPage(env: PageEnv): string {
  return market(
    env,
    { title: "Sandboxed iframe", nav: "embeds" },
    html`<div class="wrap page">
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/embeds">Embed demos</a><span aria-hidden="true">/</span><span aria-current="page">Sandboxed iframe</span></nav>
      <h1 class="page-title">Booking inside a sandboxed iframe</h1>
      <p class="lede">
        This frame may run scripts and open pop-ups, but it may not navigate this page. Stripe Checkout can't run in a
        frame, so the element offers to open checkout in a new tab instead.
      </p>
      <figure class="frame-figure">
        <figcaption><code>sandbox="${SANDBOX_FLAGS}"</code></figcaption>
        <iframe id="sandboxed-frame" data-autosize title="Book Liam (sandboxed)" src="/embed/frame?builder=liam" sandbox="${SANDBOX_FLAGS}"></iframe>
      </figure>
    </div>`,
  );
}

/** The page inside the sandboxed iframe: just the element. */
export function framePage(env: PageEnv, b: Builder): string {
  return layout(
    env,
    { title: `Book ${b.name}`, widget: true, theme: "frame", banner: false },
    html`<div class="frame-body">${bookingElement(env, b.slug)}</div>`,
  );
}

function emptyCataloguePage(env: PageEnv): string {
  return market(
    env,
    { title: "Book a builder", nav: "builders" },
    html`<div class="wrap page narrow">
      <h1 class="page-title">No builders yet</h1>
      <p class="lede">Builders added through the partner API or <code>npm run admin -- builders create</code> appear here.</p>
    </div>`,
  );
}

/** The booking service did not answer: the catalogue cannot be shown. */
export function unavailablePage(env: PageEnv): string {
  return market(
    env,
    { title: "Builders unavailable" },
    html`<div class="wrap page narrow">
      <h1 class="page-title">Builders are unavailable right now</h1>
      <p class="lede">The booking service is not answering. Please try again in a moment.</p>
      <a class="button" href="/">Try again</a>
    </div>`,
  );
}

export function notFoundPage(env: PageEnv): string {
  return market(
    env,
    { title: "Page not found" },
    html`<div class="wrap page narrow">
      <h1 class="page-title">We couldn't find that page</h1>
      <p class="lede">The link may be old, or the builder may have left the marketplace.</p>
      <a class="button" href="/">Browse builders</a>
    </div>`,
  );
}

// ---------------------------------------------------------------------------------------------
// A builder's own site (http://localhost:8081), another origin with its own site key.

function builderSiteChrome(env: PageEnv) {
  return {
    header: html`<header class="site-header">
      <div class="wrap header-row">
        <a class="brand" href="/"><span class="monogram">L</span><span>Liam builds apps</span></a>
        <nav aria-label="Main"><a href="/#about">About</a> <a href="/#book">Book a session</a></nav>
      </div>
    </header>`,
    footer: html`<footer class="site-footer">
      <div class="wrap footer-row">
        <span>© Liam · buildappswith</span>
        <p>Also on the <a href="${env.links.marketplace}">${BRAND} marketplace</a></p>
      </div>
    </footer>`,
  };
}

export function builderSiteHome(env: PageEnv, liam: Builder): string {
  const s = sessionOf(liam);
  return layout(
    env,
    {
      title: "Liam — let's build your app",
      description: liam.headline,
      theme: "builder",
      widget: true,
      ...builderSiteChrome(env),
    },
    html`<section class="hero">
        <div class="wrap hero-grid">
          <div>
            <p class="eyebrow">Hi, I'm Liam</p>
            <h1>Ship your first AI-powered app, together.</h1>
            <p class="lede">${liam.bio}</p>
            <a class="button" href="#book">Book a ${s.duration} session · ${s.price}</a>
          </div>
          <div class="portrait">${avatar(liam, "lg")}</div>
        </div>
      </section>
      <section class="wrap section" id="about">
        <div class="about-grid">
          <div><h2>What we'll do</h2><p>Bring an idea or a repo. We'll scope it, pick the architecture, and write real code, live.</p></div>
          <div><h2>Who it's for</h2><p>Founders, designers and developers who want working software and a clear next step.</p></div>
          <div><h2>How it works</h2><p>Pick a time below, pay on Stripe, and you'll get a calendar invite straight away.</p></div>
        </div>
      </section>
      <section class="section section-tint" id="book" aria-labelledby="book-title">
        <div class="wrap narrow">
          <h2 id="book-title">Book a session</h2>
          <div class="card widget-card">${bookingElement(env, liam.slug, { browseUrl: "/", primaryColor: "0f766e" })}</div>
        </div>
      </section>`,
  );
}

export function builderSiteReturn(env: PageEnv): string {
  return layout(
    env,
    {
      title: "Your session with Liam",
      theme: "builder",
      widget: true,
      bodyClass: "return-page",
      ...builderSiteChrome(env),
    },
    html`<div class="wrap page">
      ${returnHeading("Your session with Liam")}
      <div class="return-grid">
        <section class="card widget-card" aria-label="Booking status">${bookingElement(env, "liam", { browseUrl: "/", primaryColor: "0f766e" })}</section>
        ${detailsWhileUnpaid(html`<a class="back-link" href="/">← Back to my site</a>`)}
      </div>
    </div>`,
  );
}

// ---------------------------------------------------------------------------------------------
// A page on an origin that is NOT allowed (http://localhost:8082), reusing the marketplace key.

export function blockedPage(env: PageEnv, ownOrigin: string, allowedOrigins: string[]): string {
  return layout(
    env,
    {
      title: "Northwind Dev Journal",
      theme: "blog",
      widget: true,
      banner: false,
      header: html`<header class="site-header">
        <div class="wrap header-row"><a class="brand" href="/"><span class="monogram">N</span><span>Northwind Dev Journal</span></a></div>
      </header>`,
      footer: html`<footer class="site-footer"><div class="wrap footer-row"><span>Northwind Dev Journal</span></div></footer>`,
    },
    html`<article class="wrap page narrow post">
      <p class="eyebrow">Tools we like</p>
      <h1 class="page-title">Pair with a builder to unblock your launch</h1>
      <aside class="callout" role="note">
        <strong>Why this demo fails on purpose:</strong> this page runs on
        <code>${ownOrigin}</code>, and it reuses the marketplace's site key, which only allows
        <code>${allowedOrigins.join(", ")}</code>. The booking service refuses the request, and the element says so.
      </aside>
      <p>When a project stalls, an hour with someone who has shipped the same thing is worth a week of searching. Here's how to book one:</p>
      <div class="card widget-card">${bookingElement(env, "liam", { browseUrl: env.links.marketplace, primaryColor: "b45309" })}</div>
    </article>`,
  );
}
