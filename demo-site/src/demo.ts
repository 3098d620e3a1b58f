// The whole demo in one process: the booking service (in-process, sandboxed unless real
// credentials are set), the sandbox's fakes beside it (started here and handed to the service as
// URLs, as any sandboxed set-up runs them), its demo sites, and three web origins:
// - the marketplace (default http://localhost:8080), which also serves the widget bundle;
// - a builder's own site (http://localhost:8081) with its own site key;
// - a page on an origin no site allows (http://localhost:8082).
// `npm start` and the end-to-end tests both go through startDemo().
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeCalendly, FakeStripe } from "@baw/sandbox";
import {
  type AppOptions,
  buildApp,
  type Config,
  type Database,
  issuePartnerKey,
  listPartnerKeys,
  loadConfig,
  openDatabase,
  repoRoot,
  revokePartnerKey,
  type SiteSeed,
  seedDemoIfEmpty,
  seedSites,
  serveAdminChannel,
  startLocalSandbox,
} from "@baw/service";
import { type Builder, CatalogueUnavailable, catalogueClient } from "./catalog.js";
import { closeServer, createSiteServer, listen, type Reply, type Router } from "./http.js";
import { partnerClient } from "./onboarding/partner-client.js";
import { BASE as ONBOARDING, onboarding } from "./onboarding/routes.js";
import { OnboardingSessions } from "./onboarding/session.js";
import {
  blockedPage,
  bookingPage,
  builderSiteHome,
  builderSiteReturn,
  cancelledPage,
  confirmationPage,
  embedsPage,
  framePage,
  homePage,
  notFoundPage,
  type PageEnv,
  profilePage,
  sandboxedHostPage,
  unavailablePage,
} from "./pages.js";

// The service's `db` decoration is declared in a module its public types don't pull in; spell it out.
export type App = Awaited<ReturnType<typeof buildApp>> & { db: Database };

/** Fixed publishable keys, so URLs and snippets stay the same across restarts. */
export const SITE_KEYS = {
  marketplace: "pk_test_marketplace_demo",
  builderSite: "pk_test_liam_site_demo",
} as const;

/** Defaults of `npm start`: stable ports, so every URL stays the same between runs. */
export const DEFAULT_ENV = {
  // The demo runs on the sandbox's fakes unless PROVIDER_MODE=live is set.
  PROVIDER_MODE: "sandbox",
  PORT: "3000",
  SANDBOX_CALENDLY_PORT: "3100",
  SANDBOX_STRIPE_PORT: "3200",
  DEMO_PORT: "8080",
  DEMO_BUILDER_SITE_PORT: "8081",
  DEMO_BLOCKED_PORT: "8082",
} as const;

export interface DemoPorts {
  marketplace: number;
  builderSite: number;
  blocked: number;
}

export interface DemoOptions {
  /** The service's and the demo's environment (default `process.env`), over {@link DEFAULT_ENV}. */
  env?: NodeJS.ProcessEnv;
  /** Ports of the three origins (0: ephemeral); default DEMO_PORT, DEMO_BUILDER_SITE_PORT, DEMO_BLOCKED_PORT. */
  ports?: Partial<DemoPorts>;
  /** Address the demo origins bind to (DEMO_HOST, default 127.0.0.1). */
  host?: string;
  /** Host name in the demo's URLs and allowed origins (DEMO_PUBLIC_HOST, default localhost). */
  publicHost?: string;
  /** The service's logger (default: built from LOG_LEVEL). */
  logger?: AppOptions["logger"];
  /** Run the service's hold sweeper (default true). */
  sweeper?: boolean;
  /** Directory of the widget's CDN build (default widget/dist/cdn). */
  widgetDir?: string;
  /** Told what the start is doing, step by step (`npm start` prints it). */
  onStep?: (what: string) => void;
}

export interface DemoUrls {
  marketplace: string;
  liamProfile: string;
  liamBooking: string;
  /** The "Become a builder" onboarding. */
  becomeABuilder: string;
  embeds: string;
  sandboxedEmbed: string;
  builderSite: string;
  blocked: string;
  /** The booking service as the browser reaches it. */
  api: string;
  apiDocs: string;
  widget: string;
  /** The sandbox's fake Calendly and fake Stripe, when they run. */
  sandboxCalendly?: string;
  sandboxStripe?: string;
}

export interface Demo {
  readonly urls: DemoUrls;
  readonly keys: typeof SITE_KEYS;
  /** Origins of the marketplace, the builder's site, and the refused page. */
  readonly origins: { marketplace: string; builderSite: string; blocked: string };
  /** The running service; throws while it is stopped. */
  readonly app: App;
  readonly config: Config;
  readonly serviceRunning: boolean;
  /** True when Calendly or Stripe is simulated. */
  readonly sandbox: boolean;
  /** The fakes the demo started (none for a provider with credentials or a base URL of its own). */
  readonly fakes: { stripe?: FakeStripe; calendly?: FakeCalendly };
  /** Closes the service (and its database); the web origins stay up. */
  stopService(): Promise<void>;
  /** Starts the service again on the same ports and database. */
  startService(): Promise<void>;
  /** Stops everything. Safe to call twice. */
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const publicDir = path.resolve(here, "..", "public");

function port(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number (0-65535), got "${value}"`);
  return n;
}

/** A port that is free on `host` now (the OS picks it). */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  const found = await listen(probe, 0, host);
  await closeServer(probe);
  return found;
}

function hostForUrl(host: string, publicHost: string): string {
  if (host === "0.0.0.0" || host === "::") return publicHost;
  return host.includes(":") ? `[${host}]` : host;
}

const MARKETPLACE_KEY_NAMES = ["Demo marketplace (reads the catalogue)", "Demo marketplace (catalogue and onboarding)"];

/**
 * A fresh key for the marketplace's server: it reads the catalogue (builders:read) and onboards
 * builders (builders:write), and Calendly's consent may only send them back to the onboarding
 * pages. The previous start's keys are revoked.
 */
async function issueMarketplaceKey(db: Database, marketplaceOrigins: string[]): Promise<string> {
  for (const old of await listPartnerKeys(db.prisma)) {
    if (MARKETPLACE_KEY_NAMES.includes(old.name) && !old.revokedAt) await revokePartnerKey(db.prisma, old.prefix);
  }
  const { key } = await issuePartnerKey(db.prisma, {
    name: MARKETPLACE_KEY_NAMES[1]!,
    scopes: ["builders:read", "builders:write"],
    returnUrlAllowlist: marketplaceOrigins.map((origin) => `${origin}${ONBOARDING}`),
  });
  return key;
}

/** Also allows 127.0.0.1 when the demo is reached through localhost (and the other way round). */
function originVariants(origin: string): string[] {
  const u = new URL(origin);
  const alias = u.hostname === "localhost" ? "127.0.0.1" : u.hostname === "127.0.0.1" ? "localhost" : undefined;
  return alias ? [origin, `${u.protocol}//${alias}:${u.port}`] : [origin];
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const env: NodeJS.ProcessEnv = { ...DEFAULT_ENV, ...(options.env ?? process.env) };
  // Started once: the fakes keep their state while the service is stopped and started again.
  const sandbox = await startLocalSandbox(env, {
    ports: {
      stripe: port(env.SANDBOX_STRIPE_PORT, "SANDBOX_STRIPE_PORT"),
      calendly: port(env.SANDBOX_CALENDLY_PORT, "SANDBOX_CALENDLY_PORT"),
    },
  });
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    await sandbox?.close();
    throw error;
  }
  const bindHost = options.host ?? env.DEMO_HOST ?? "127.0.0.1";
  const publicHost = options.publicHost ?? env.DEMO_PUBLIC_HOST ?? "localhost";
  const wantPorts: DemoPorts = {
    marketplace: options.ports?.marketplace ?? port(env.DEMO_PORT, "DEMO_PORT"),
    builderSite: options.ports?.builderSite ?? port(env.DEMO_BUILDER_SITE_PORT, "DEMO_BUILDER_SITE_PORT"),
    blocked: options.ports?.blocked ?? port(env.DEMO_BLOCKED_PORT, "DEMO_BLOCKED_PORT"),
  };
  const widgetDir = options.widgetDir ?? path.join(repoRoot, "widget", "dist", "cdn");
  if (!existsSync(path.join(widgetDir, "baw-book-builder.js"))) {
    throw new Error(`the widget bundle is missing (${widgetDir}); build it with: npm run build -w widget`);
  }

  let app: App | undefined;
  /** The service's database: opened before the app, closed after it. */
  let database: Database | undefined;
  // A fixed port from the start, even when asked for any free one: the service names its own URLs
  // (Calendly's OAuth redirect URI, webhook targets) from its configured port.
  let servicePort = config.port === 0 ? await freePort(config.host) : config.port;
  let calendlyOrigin = config.calendly.origin;
  const origins = { marketplace: "", builderSite: "", blocked: "" };

  const apiBase = () =>
    config.publicUrl?.replace(/\/+$/, "") ?? `http://${hostForUrl(config.host, publicHost)}:${servicePort}`;
  const widgetSrc = () => `${origins.marketplace}/widget/baw-book-builder.js`;
  const links = () => ({
    marketplace: `${origins.marketplace}/`,
    builderSite: `${origins.builderSite}/`,
    blocked: `${origins.blocked}/`,
  });
  const pageEnv = (siteKey: string): PageEnv => ({
    apiBase: apiBase(),
    siteKey,
    widgetSrc: widgetSrc(),
    links: links(),
    sandbox: config.stripe.sandbox || config.calendly.sandbox,
  });

  // Content-Security-Policy of every demo page: what the element documents it needs
  // (frame-src for Calendly, connect-src for the API) plus the bundle's origin in script-src.
  // No 'unsafe-inline' anywhere: the element styles itself through constructable stylesheets and
  // the CSSOM, which style-src does not restrict.
  // The onboarding's forms lead on to Calendly's consent page and Stripe's onboarding (a redirect
  // after the POST, which form-action governs too).
  const providerPages = () =>
    [
      sandbox?.calendly?.authBase ?? "https://auth.calendly.com",
      sandbox?.stripe?.url ?? "https://connect.stripe.com",
    ].map((u) => new URL(u).origin);
  const pageHeaders = (url: URL): Record<string, string> => {
    const onboardingPage = url.pathname === ONBOARDING || url.pathname.startsWith(`${ONBOARDING}/`);
    const headers: Record<string, string> = {
      "content-security-policy": [
        "default-src 'self'",
        `script-src 'self' ${origins.marketplace}`,
        "style-src 'self'",
        "img-src 'self' data:",
        `connect-src 'self' ${new URL(apiBase()).origin}`,
        `frame-src 'self' ${calendlyOrigin}`,
        "frame-ancestors 'self'",
        `form-action 'self'${onboardingPage ? ` ${providerPages().join(" ")}` : ""}`,
        "base-uri 'none'",
        "object-src 'none'",
      ].join("; "),
    };
    // Return pages carry the booking token in their URL: never send it on as a referrer.
    if (url.searchParams.has("baw_token")) headers["referrer-policy"] = "no-referrer";
    return headers;
  };
  const page = (body: string): Reply => ({ kind: "html", body });
  /** The demo's own partner key (catalogue and onboarding); issued at each start of the service. */
  let marketplaceKey: string | undefined;
  const serviceUrl = () => `http://${hostForUrl(config.host, "127.0.0.1")}:${servicePort}`;
  const currentKey = () => (app ? marketplaceKey : undefined);
  const catalogue = catalogueClient(serviceUrl, currentKey);
  const becomeABuilder = onboarding({
    client: partnerClient(serviceUrl, currentKey),
    sessions: new OnboardingSessions({ secure: () => origins.marketplace.startsWith("https:") }),
    pageEnv: () => pageEnv(SITE_KEYS.marketplace),
    origins: () => originVariants(origins.marketplace),
    // With the sandbox Stripe, the last step shows what the builder's payout account holds.
    balanceOf: async (builder) => {
      const account = builder.payouts?.accountId;
      if (!account || !sandbox?.stripe || !app) return undefined;
      const balance = await app.providers.stripe.balance.retrieve({}, { stripeAccount: account });
      const total = new Map<string, number>();
      for (const m of [...balance.available, ...balance.pending]) {
        total.set(m.currency, (total.get(m.currency) ?? 0) + m.amount);
      }
      return [...total].map(([currency, amount]) => ({ currency, amount }));
    },
  });
  /** A page built from the catalogue; a 503 page while the service does not answer. */
  const fromCatalogue = async (env: PageEnv, render: () => Promise<Reply | undefined>): Promise<Reply | undefined> => {
    try {
      return await render();
    } catch (error) {
      if (error instanceof CatalogueUnavailable) return { kind: "html", status: 503, body: unavailablePage(env) };
      throw error;
    }
  };
  const withBuilder = (builder: Builder | undefined, render: (b: Builder) => string): Reply | undefined =>
    builder ? page(render(builder)) : undefined;
  const hasReturn = (url: URL) => url.searchParams.has("baw_booking") || url.searchParams.has("session_id");

  /**
   * Sandbox only: whether the fake Calendly holds the booking the service made for a pay-first
   * booking, and when, beside when it was paid. The booking is read as the visitor's browser reads
   * it (the public API, with its token): no token, no answer.
   */
  const calendlyProof = async (url: URL): Promise<Reply> => {
    const fake = sandbox?.calendly;
    const id = url.searchParams.get("booking") ?? "";
    const notFound: Reply = { kind: "json", status: 404, body: { error: "booking_not_found" } };
    if (!fake || !/^[0-9a-f-]{36}$/i.test(id)) return notFound;
    const res = await fetch(`${serviceUrl()}/v1/bookings/${id}`, {
      headers: { authorization: `Bearer ${url.searchParams.get("token") ?? ""}`, accept: "application/json" },
    }).catch(() => null);
    if (!res?.ok) return notFound;
    const booking = (await res.json()) as { flow: string; status: string; history: { to: string; at: string }[] };
    const booked = fake.invitees.filter((i) => i.tracking.utm_content === `bk_${id}`);
    return {
      kind: "json",
      body: {
        flow: booking.flow,
        status: booking.status,
        // Pay first: the booking is SCHEDULING from the moment it is paid.
        paidAt: booking.history.find((h) => h.to === "SCHEDULING")?.at ?? null,
        calendlyBookings: booked.length,
        calendlyBookedAt: booked[0]?.created_at ?? null,
      },
    };
  };

  const marketplaceRouter: Router = async (url, req, form) => {
    const env = pageEnv(SITE_KEYS.marketplace);
    const p = url.pathname;
    const onboardingReply = await becomeABuilder.route(url, req, form);
    if (onboardingReply || form) return onboardingReply;
    if (p === "/" || p === "/index.html") {
      return fromCatalogue(env, async () => page(homePage(env, await catalogue.list())));
    }
    if (p === "/embeds") return page(embedsPage(env));
    if (p === "/embed/sandboxed") return page(sandboxedHostPage(env));
    if (p === "/embed/frame") {
      const slug = url.searchParams.get("builder") ?? "liam";
      if (!/^[a-z0-9-]+$/.test(slug)) return undefined;
      return fromCatalogue(env, async () => withBuilder(await catalogue.find(slug), (b) => framePage(env, b)));
    }
    if (p === "/booking/confirmed") {
      if (!hasReturn(url)) return { kind: "redirect", location: "/" };
      // Stripe's cancel_url is the same return page with baw_checkout=cancelled.
      if (url.searchParams.get("baw_checkout") === "cancelled") {
        return { kind: "redirect", location: `/booking/cancelled${url.search}` };
      }
      return page(confirmationPage(env));
    }
    if (p === "/booking/cancelled")
      return hasReturn(url) ? page(cancelledPage(env)) : { kind: "redirect", location: "/" };
    if (p === "/sandbox/calendly-proof") return calendlyProof(url);
    const m = /^\/builders\/([a-z0-9-]+)(\/book)?\/?$/.exec(p);
    if (!m) return undefined;
    const flow = url.searchParams.get("flow") === "pay-first" ? "pay-first" : "embedded";
    return fromCatalogue(env, async () =>
      withBuilder(await catalogue.find(m[1]!), (b) => (m[2] ? bookingPage(env, b, flow) : profilePage(env, b))),
    );
  };

  const builderSiteRouter: Router = async (url) => {
    const env = pageEnv(SITE_KEYS.builderSite);
    if (url.pathname === "/" || url.pathname === "/index.html") {
      return fromCatalogue(env, async () => withBuilder(await catalogue.find("liam"), (b) => builderSiteHome(env, b)));
    }
    if (url.pathname === "/booked")
      return hasReturn(url) ? page(builderSiteReturn(env)) : { kind: "redirect", location: "/" };
    return undefined;
  };

  const blockedRouter: Router = (url) => {
    // Deliberately the marketplace's key: its site does not list this origin.
    const env = pageEnv(SITE_KEYS.marketplace);
    if (url.pathname === "/" || url.pathname === "/index.html") {
      return page(blockedPage(env, origins.blocked, originVariants(origins.marketplace)));
    }
    return undefined;
  };

  const assets = { prefix: "/assets/", dir: publicDir };
  const favicon = { prefix: "/favicon.svg", dir: publicDir, file: "favicon.svg" };
  const notFound = () => notFoundPage(pageEnv(SITE_KEYS.marketplace));
  const widgetMount = {
    prefix: "/widget/",
    dir: widgetDir,
    // The marketplace doubles as the widget's CDN: other origins load the bundle from here.
    headers: { "access-control-allow-origin": "*", "cross-origin-resource-policy": "cross-origin" },
  };
  const servers: Record<keyof DemoPorts, Server> = {
    marketplace: createSiteServer({
      router: marketplaceRouter,
      mounts: [assets, favicon, widgetMount],
      pageHeaders,
      notFound,
      acceptsPost: becomeABuilder.acceptsPost,
    }),
    builderSite: createSiteServer({ router: builderSiteRouter, mounts: [assets, favicon], pageHeaders, notFound }),
    blocked: createSiteServer({ router: blockedRouter, mounts: [assets, favicon], pageHeaders, notFound }),
  };

  const siteSeeds = (): SiteSeed[] => [
    {
      name: "Build Apps With marketplace (demo)",
      publishableKey: SITE_KEYS.marketplace,
      allowedOrigins: originVariants(origins.marketplace),
      returnUrlAllowlist: [`${origins.marketplace}/booking/confirmed`],
    },
    {
      name: "Liam's own site (demo)",
      publishableKey: SITE_KEYS.builderSite,
      allowedOrigins: originVariants(origins.builderSite),
      returnUrlAllowlist: [`${origins.builderSite}/booked`],
    },
  ];

  const startService = async () => {
    if (app) throw new Error("the service is already running");
    const next = loadConfig({ ...env, PORT: String(servicePort) });
    // Opened here rather than by the app's database plugin: a first start creates and migrates the
    // database, which on a busy machine takes longer than Fastify allows a plugin to start.
    options.onStep?.(
      next.database.kind === "pglite"
        ? `${existsSync(next.database.dir) ? "Opening" : "Creating"} the database (PGlite in ${next.database.dir})`
        : "Opening the database (PostgreSQL)",
    );
    const db = await openDatabase(next.database);
    let instance: App | undefined;
    try {
      // `npm run admin` beside the demo reaches the embedded database through the service.
      await serveAdminChannel(db, next);
      options.onStep?.("Starting the booking service");
      instance = (await buildApp({
        config: next,
        db,
        sweeper: options.sweeper,
        logger: options.logger,
      })) as App;
      await instance.ready();
      await seedSites(db.prisma, siteSeeds());
      // The demo's builders go into an empty catalogue only: edits made since survive restarts.
      if (await seedDemoIfEmpty(db.prisma)) options.onStep?.("Seeded the demo's six builders");
      marketplaceKey = await issueMarketplaceKey(db, originVariants(origins.marketplace));
      await instance.listen({ host: next.host, port: next.port });
    } catch (error) {
      await instance?.close().catch(() => {});
      await db.close().catch(() => {});
      throw error;
    }
    servicePort = (instance.server.address() as AddressInfo).port;
    sandbox?.deliverTo(`http://127.0.0.1:${servicePort}`);
    calendlyOrigin = instance.providers.calendlyOrigin;
    config = next;
    app = instance;
    database = db;
    // A first read, which the pages fall back on while the service stops or limits the marketplace's
    // key; a failure here only means the pages read it live.
    await catalogue.list().catch(() => undefined);
  };

  const stopService = async () => {
    const running = app;
    const open = database;
    app = undefined;
    database = undefined;
    await running?.close();
    await open?.close();
  };

  const bound: Partial<DemoPorts> = {};
  try {
    for (const key of Object.keys(servers) as (keyof DemoPorts)[]) {
      bound[key] = await listen(servers[key], wantPorts[key], bindHost);
    }
    origins.marketplace = config.appUrl ? new URL(config.appUrl).origin : `http://${publicHost}:${bound.marketplace}`;
    origins.builderSite = `http://${publicHost}:${bound.builderSite}`;
    origins.blocked = `http://${publicHost}:${bound.blocked}`;
    await startService();
  } catch (error) {
    await Promise.all([...Object.values(servers).map(closeServer), sandbox?.close()]);
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    get urls(): DemoUrls {
      const m = origins.marketplace;
      return {
        marketplace: `${m}/`,
        liamProfile: `${m}/builders/liam`,
        liamBooking: `${m}/builders/liam/book`,
        becomeABuilder: `${m}${ONBOARDING}`,
        embeds: `${m}/embeds`,
        sandboxedEmbed: `${m}/embed/sandboxed`,
        builderSite: `${origins.builderSite}/`,
        blocked: `${origins.blocked}/`,
        api: apiBase(),
        apiDocs: `${apiBase()}/docs`,
        widget: widgetSrc(),
        sandboxCalendly: sandbox?.calendly?.url,
        sandboxStripe: sandbox?.stripe?.url,
      };
    },
    keys: SITE_KEYS,
    origins,
    get app(): App {
      if (!app) throw new Error("the service is stopped");
      return app;
    },
    get config() {
      return config;
    },
    get serviceRunning() {
      return app !== undefined;
    },
    get sandbox() {
      return config.stripe.sandbox || config.calendly.sandbox;
    },
    fakes: { stripe: sandbox?.stripe, calendly: sandbox?.calendly },
    stopService,
    startService,
    close() {
      closing ??= (async () => {
        await Promise.all([stopService(), ...Object.values(servers).map(closeServer)]);
        await sandbox?.close();
      })();
      return closing;
    },
  };
}
