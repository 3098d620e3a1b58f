// Running the sandbox on its own, beside a service started separately: options from the
// environment, the service's variables printed, the fakes closed on SIGINT/SIGTERM.
import { readFileSync } from "node:fs";
import type { FakeEventTypeConfig } from "./fake-calendly/index.js";
import { type SandboxOptions, startSandbox } from "./start.js";

export interface SandboxFromEnv {
  options: SandboxOptions;
  problems: string[];
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    problems.push(`${name} must be a port number between 0 and 65535`);
    return fallback;
  }
  return value;
}

/**
 * SANDBOX_HOST, SANDBOX_STRIPE_PORT (default 4242), SANDBOX_CALENDLY_PORT (default 4243),
 * SANDBOX_SERVICE_URL (where webhooks go, default http://127.0.0.1:3000), SANDBOX_HOLD_SECONDS,
 * SANDBOX_CALENDLY_REDIRECT_URIS (more redirect URIs of the fake Calendly's OAuth app, comma
 * separated) and SANDBOX_EVENT_TYPES (a JSON file of the fake Calendly's event types) unless
 * `eventTypes` is given.
 */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv, eventTypes?: FakeEventTypeConfig[]): SandboxFromEnv {
  const problems: string[] = [];
  let types = eventTypes;
  const file = env.SANDBOX_EVENT_TYPES?.trim();
  if (!types && file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (!Array.isArray(parsed)) problems.push(`SANDBOX_EVENT_TYPES: ${file} must hold a JSON array of event types`);
      else types = parsed as FakeEventTypeConfig[];
    } catch (error) {
      problems.push(`SANDBOX_EVENT_TYPES: cannot read ${file} (${error instanceof Error ? error.message : error})`);
    }
  }
  if (!types && !file) {
    problems.push(
      "SANDBOX_EVENT_TYPES is required: a JSON file with an array of the fake Calendly's event types " +
        "({userUuid, userSlug, userName, userEmail, eventTypeUuid, slug, name, durationMinutes})",
    );
  }
  const redirectUris = (env.SANDBOX_CALENDLY_REDIRECT_URIS ?? "")
    .split(",")
    .map((uri) => uri.trim())
    .filter(Boolean);
  for (const uri of redirectUris) {
    let ok = false;
    try {
      const url = new URL(uri);
      ok = (url.protocol === "http:" || url.protocol === "https:") && !url.hash;
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`SANDBOX_CALENDLY_REDIRECT_URIS: ${uri} is not an http(s) URL without a fragment`);
  }
  const hold = env.SANDBOX_HOLD_SECONDS?.trim();
  const holdSeconds = hold ? Number(hold) : undefined;
  if (holdSeconds !== undefined && !(Number.isInteger(holdSeconds) && holdSeconds >= 5)) {
    problems.push("SANDBOX_HOLD_SECONDS must be a whole number of seconds, at least 5");
  }
  return {
    problems,
    options: {
      host: env.SANDBOX_HOST?.trim() || "127.0.0.1",
      stripe: { port: port(env, "SANDBOX_STRIPE_PORT", 4242, problems), holdSeconds },
      calendly: {
        port: port(env, "SANDBOX_CALENDLY_PORT", 4243, problems),
        eventTypes: types ?? [],
        oauthRedirectUris: redirectUris,
      },
      serviceUrl: env.SANDBOX_SERVICE_URL?.trim() || "http://127.0.0.1:3000",
    },
  };
}

/** Starts the sandbox, prints the service's variables, and runs until SIGINT or SIGTERM. */
export async function serveSandbox(
  from: SandboxFromEnv,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<void> {
  if (from.problems.length > 0) throw new Error(from.problems.join("; "));
  const sandbox = await startSandbox(from.options);
  out(`Sandbox Stripe: ${sandbox.stripe?.url ?? "off"}; sandbox Calendly: ${sandbox.calendly?.url ?? "off"}`);
  out(`Webhooks go to ${from.options.serviceUrl}. Start the service with:`);
  for (const [name, value] of Object.entries(sandbox.serviceEnv)) out(`  ${name}=${value}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await sandbox.close();
}
