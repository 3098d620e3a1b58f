// The sandbox as the tools around the service start it (the doctor, the demo, `npm run
// sandbox`, the tests): the fakes host the seeded builders' Calendly event types, and a tool
// starts only the fakes its environment leaves without credentials and without a base URL.
// The service itself never loads this module's sandbox.
import type { FakeEventTypeConfig, Sandbox } from "@baw/sandbox";
import { liamCalendly } from "../db/seed.js";

const sampleUser = {
  userUuid: liamCalendly.userUuid,
  userSlug: liamCalendly.userSlug,
  userName: "Liam",
  userEmail: liamCalendly.email,
};

/**
 * The sample Calendly account's event types: the one the demo seed gives Liam, and a spare one an
 * operator can attach to a builder of their own (`…/liam-buildappswith/intro-call`).
 */
export const sandboxEventTypes: FakeEventTypeConfig[] = [
  {
    ...sampleUser,
    eventTypeUuid: liamCalendly.eventTypeUuid,
    slug: liamCalendly.eventSlug,
    name: "1:1 build session",
    durationMinutes: 60,
    customQuestions: [{ name: "What would you like to build?", type: "text" }],
  },
  {
    ...sampleUser,
    eventTypeUuid: "5d2c8a41-7e3b-4f96-b1a0-6c9e4d2f8b17",
    slug: "intro-call",
    name: "Intro call",
    durationMinutes: 30,
  },
];

export interface LocalSandboxOptions {
  /** Default 0 (any free port) for both. */
  ports?: { stripe?: number; calendly?: number };
  /** Let the fake Stripe expire sessions on its own timer (default true). */
  autoExpire?: boolean;
}

/**
 * With PROVIDER_MODE=sandbox, starts the fakes for the providers `env` gives neither credentials
 * nor a base URL, and adds their URLs to `env`. Undefined when no fake is needed.
 */
export async function startLocalSandbox(
  env: NodeJS.ProcessEnv,
  options: LocalSandboxOptions = {},
): Promise<Sandbox | undefined> {
  const unset = (name: string) => !env[name]?.trim();
  if (env.PROVIDER_MODE?.trim() !== "sandbox") return undefined;
  const stripe = unset("STRIPE_SECRET_KEY") && unset("STRIPE_API_BASE");
  const calendly = unset("CALENDLY_TOKEN") && unset("CALENDLY_API_BASE") && unset("CALENDLY_ORIGIN");
  if (!stripe && !calendly) return undefined;
  // Loaded only here: the sandbox is a development dependency, never part of a live set-up.
  const { startSandbox } = await import("@baw/sandbox");
  const holdSeconds = Number(env.SANDBOX_HOLD_SECONDS?.trim() || Number(env.HOLD_MINUTES?.trim() || 35) * 60);
  const sandbox = await startSandbox({
    stripe: stripe && {
      port: options.ports?.stripe ?? 0,
      autoExpire: options.autoExpire,
      holdSeconds: Number.isFinite(holdSeconds) ? holdSeconds : undefined,
    },
    calendly: calendly && { port: options.ports?.calendly ?? 0, eventTypes: sandboxEventTypes },
  });
  Object.assign(env, sandbox.serviceEnv);
  return sandbox;
}
