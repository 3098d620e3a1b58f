// Starts the fakes that stand in for the providers the configuration leaves without
// credentials, in PROVIDER_MODE=sandbox only. Used by the service and by the doctor, so both
// simulate the same world.
import type { Config } from "../config.js";
import { liamCalendly } from "../db/seed.js";
import { type FakeCalendly, type FakeEventTypeConfig, startFakeCalendly } from "./fake-calendly/index.js";
import { type FakeStripe, startFakeStripe } from "./fake-stripe/index.js";

/** Liam's Calendly event type, with the identity the seed gives him. */
export const sandboxEventTypes: FakeEventTypeConfig[] = [
  {
    userUuid: liamCalendly.userUuid,
    userSlug: liamCalendly.userSlug,
    userName: "Liam",
    userEmail: liamCalendly.email,
    eventTypeUuid: liamCalendly.eventTypeUuid,
    slug: liamCalendly.eventSlug,
    name: "1:1 build session",
    durationMinutes: 60,
  },
];

export interface Sandbox {
  stripe?: FakeStripe;
  calendly?: FakeCalendly;
}

export interface SandboxOptions {
  /** Listen on these ports instead of the configured ones (0: any free port). */
  ports?: { stripe: number; calendly: number };
  /** Let the fake Stripe expire sessions on its own timer (default true). */
  autoExpire?: boolean;
}

export async function startSandbox(config: Config, options: SandboxOptions = {}): Promise<Sandbox> {
  if (config.providerMode !== "sandbox") {
    throw new Error(`startSandbox: PROVIDER_MODE is ${config.providerMode}; the fakes run only in sandbox mode`);
  }
  const ports = options.ports ?? config.sandboxPorts;
  const sandbox: Sandbox = {};
  if (config.stripe.sandbox) {
    sandbox.stripe = await startFakeStripe({
      port: ports.stripe,
      secretKey: config.stripe.secretKey,
      webhookSecret: config.stripe.webhookSecret,
      autoExpire: options.autoExpire ?? true,
      // Stripe refuses expires_at under 30 min; a short sandbox hold lowers the bar so holds can expire in tests.
      minExpirySeconds: Math.max(1, Math.min(1800, config.holdSeconds - 60)),
    });
  }
  if (config.calendly.sandbox) {
    sandbox.calendly = await startFakeCalendly({
      port: ports.calendly,
      token: config.calendly.token,
      webhookSigningKey: config.calendly.webhookSigningKey,
      eventTypes: sandboxEventTypes,
    });
  }
  return sandbox;
}
