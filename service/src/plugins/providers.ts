// The Stripe and Calendly clients. In PROVIDER_MODE=sandbox the local fakes are started
// in-process for the providers without credentials, and the same real clients talk to them.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type Stripe from "stripe";
import type { Config } from "../config.js";
import { type CalendlyClient, createCalendlyClient } from "../providers/calendly.js";
import { createStripeClient } from "../providers/stripe.js";
import type { FakeCalendly } from "../sandbox/fake-calendly/index.js";
import type { FakeStripe } from "../sandbox/fake-stripe/index.js";
import { type Sandbox, startSandbox } from "../sandbox/start.js";

export interface Providers {
  stripe: Stripe;
  calendly: CalendlyClient;
  /** Origin the scheduling pages are served from (the widget checks messages against it). */
  calendlyOrigin: string;
  /** Maps a builder's Calendly event URL to the one a visitor should load. */
  schedulingUrl(eventUrl: string): string;
  sandbox: { stripe?: FakeStripe; calendly?: FakeCalendly };
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

async function providers(fastify: FastifyInstance, opts: ProvidersOptions) {
  if (opts.providers) {
    fastify.decorate("providers", opts.providers);
    return;
  }
  const { config } = opts;
  const sandbox: Sandbox = config.providerMode === "sandbox" ? await startSandbox(config) : {};
  const fakeCalendly = sandbox.calendly;
  const built: Providers = {
    stripe: createStripeClient({
      secretKey: config.stripe.secretKey,
      apiBase: sandbox.stripe?.url ?? config.stripe.apiBase,
    }),
    calendly: createCalendlyClient({
      apiBase: fakeCalendly?.apiBase ?? config.calendly.apiBase,
      token: config.calendly.token,
    }),
    calendlyOrigin: fakeCalendly?.url ?? config.calendly.origin,
    schedulingUrl: (eventUrl) => {
      if (!fakeCalendly) return eventUrl;
      const u = new URL(eventUrl);
      return `${fakeCalendly.url}${u.pathname}`;
    },
    sandbox,
    isSandbox: Boolean(sandbox.stripe || sandbox.calendly),
  };
  if (built.isSandbox) {
    fastify.log.warn(
      { stripe: sandbox.stripe?.url ?? "live", calendly: fakeCalendly?.url ?? "live" },
      "SANDBOX MODE: simulated providers, no real bookings or money",
    );
  }
  fastify.addHook("onListen", async () => {
    const address = fastify.server.address();
    if (!address || typeof address === "string") return;
    const base = `http://127.0.0.1:${address.port}`;
    sandbox.stripe?.setWebhookUrl(`${base}/webhooks/stripe`);
    sandbox.calendly?.setWebhookUrl(`${base}/webhooks/calendly`);
  });
  fastify.addHook("onClose", async () => {
    await Promise.all([sandbox.stripe?.close(), sandbox.calendly?.close()]);
  });
  fastify.decorate("providers", built);
}

export default fp(providers, { name: "providers" });
