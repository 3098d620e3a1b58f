// The Stripe and Calendly clients, built from base URLs and keys only. In PROVIDER_MODE=sandbox
// those point at the sandbox's fakes (@baw/sandbox), which whoever wants them starts beside the
// service; this module, like everything the production entry point loads, never imports them.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type Stripe from "stripe";
import type { Config } from "../config.js";
import { type CalendlyAuth, type CalendlyClient, CalendlyError, createCalendlyClient } from "../providers/calendly.js";
import { type CalendlyOAuthClient, createCalendlyOAuthClient } from "../providers/calendly-oauth.js";
import { createStripeClient } from "../providers/stripe.js";

export interface Providers {
  stripe: Stripe;
  /** Calendly with the operator's personal access token (CALENDLY_TOKEN), for builders without a connection. */
  calendly: CalendlyClient;
  /** Calendly with another token source (a builder's OAuth connection), at the same API base. */
  calendlyWith(auth: CalendlyAuth): CalendlyClient;
  /** The OAuth app builders connect their Calendly through; null when it is not configured. */
  calendlyOAuth: CalendlyOAuthClient | null;
  /** Origin the scheduling pages are served from (the widget checks messages against it). */
  calendlyOrigin: string;
  /** Maps a builder's Calendly event URL to the one a visitor should load. */
  schedulingUrl(eventUrl: string): string;
  /** True when any provider is simulated. */
  isSandbox: boolean;
}

declare module "fastify" {
  interface FastifyInstance {
    providers: Providers;
  }
}

export interface ProvidersOptions {
  config: Config;
  /** Injected clients (tests). */
  providers?: Providers;
}

function createProviders(config: Config): Providers {
  const { stripe, calendly } = config;
  // Without CALENDLY_TOKEN (an OAuth-only set-up) a builder without a connection cannot be verified.
  const noToken = new CalendlyError({
    kind: "unauthorized",
    status: null,
    title: "No Token",
    message: "CALENDLY_TOKEN is not set and this builder has not connected their Calendly",
    retryable: false,
  });
  return {
    stripe: createStripeClient({ secretKey: stripe.secretKey, apiBase: stripe.apiBase }),
    calendly: createCalendlyClient(
      calendly.token
        ? { apiBase: calendly.apiBase, token: calendly.token }
        : { apiBase: calendly.apiBase, auth: { token: () => Promise.reject(noToken) } },
    ),
    calendlyWith: (auth) => createCalendlyClient({ apiBase: calendly.apiBase, auth }),
    calendlyOAuth: calendly.oauth ? createCalendlyOAuthClient(calendly.oauth) : null,
    calendlyOrigin: calendly.origin,
    // The builders' event URLs are on calendly.com; the sandbox serves the same paths at its own origin.
    schedulingUrl: (eventUrl) => (calendly.sandbox ? `${calendly.origin}${new URL(eventUrl).pathname}` : eventUrl),
    isSandbox: stripe.sandbox || calendly.sandbox,
  };
}

async function providers(fastify: FastifyInstance, opts: ProvidersOptions) {
  const built = opts.providers ?? createProviders(opts.config);
  if (!opts.providers && built.isSandbox) {
    fastify.log.warn(
      {
        stripe: opts.config.stripe.sandbox ? opts.config.stripe.apiBase : "live",
        calendly: opts.config.calendly.sandbox ? opts.config.calendly.apiBase : "live",
      },
      "SANDBOX MODE: simulated providers, no real bookings or money",
    );
  }
  fastify.decorate("providers", built);
}

export default fp(providers, { name: "providers" });
