// Starts the fakes a sandboxed service talks to, and says what that service needs to reach
// them: their base URLs and the fake Calendly's OAuth app (the service's whole knowledge of the
// sandbox) and where they deliver webhooks to.
import {
  type FakeCalendly,
  type FakeEventTypeConfig,
  type FakeUserConfig,
  startFakeCalendly,
} from "./fake-calendly/index.js";
import { type FakeStripe, startFakeStripe } from "./fake-stripe/index.js";
import { sandboxUsers } from "./sandbox-users.js";

/**
 * The keys the fakes accept unless told otherwise. A service in PROVIDER_MODE=sandbox with no
 * credentials for a provider presents the same ones.
 */
export const sandboxSecrets = {
  stripeSecretKey: "sk_test_sandbox",
  stripeWebhookSecret: "whsec_sandbox",
  calendlyToken: "calendly-sandbox-token",
  /** The personal access token's subscription key, and the OAuth app's one webhook signing key. */
  calendlyWebhookSigningKey: "calendly-sandbox-signing-key",
  calendlyOAuthClientId: "sandbox-calendly-client-id",
  calendlyOAuthClientSecret: "sandbox-calendly-client-secret",
} as const;

/** Where a service receives Calendly's OAuth redirect, under its base URL. */
export const CALENDLY_OAUTH_CALLBACK_PATH = "/oauth/calendly/callback";

export interface SandboxOptions {
  /** Interface the fakes listen on (default 127.0.0.1). */
  host?: string;
  /** The fake Stripe; `false` leaves Stripe to the real provider. */
  stripe?:
    | false
    | {
        /** 0 (default): any free port. */
        port?: number;
        /** Expire sessions on the fake's own timer (default true). */
        autoExpire?: boolean;
        /** The service's hold, when shorter than Stripe's 30-minute minimum allows (SANDBOX_HOLD_SECONDS). */
        holdSeconds?: number;
      };
  /** The fake Calendly and the event types it hosts; `false` leaves Calendly to the real provider. */
  calendly?:
    | false
    | {
        port?: number;
        /** The personal access token owner's event types (and any other users of its organization). */
        eventTypes: FakeEventTypeConfig[];
        /** More users, each in an organization of its own. Default: `sandboxUsers` (Ada and Grace). */
        users?: FakeUserConfig[];
        /** The OAuth app's registered redirect URIs; `deliverTo` adds `${serviceUrl}/oauth/calendly/callback`. */
        oauthRedirectUris?: string[];
      };
  /** Base URL of the service the fakes deliver webhooks to; can also be set later (deliverTo). */
  serviceUrl?: string;
}

export interface Sandbox {
  stripe?: FakeStripe;
  calendly?: FakeCalendly;
  /** What the service's environment needs (with PROVIDER_MODE=sandbox) to talk to these fakes. */
  serviceEnv: Record<string, string>;
  /**
   * Sends the fakes' webhooks to `${serviceUrl}/webhooks/stripe` and `…/calendly`, and registers
   * `${serviceUrl}/oauth/calendly/callback` as a redirect URI of the fake Calendly's OAuth app.
   */
  deliverTo(serviceUrl: string): void;
  close(): Promise<void>;
}

/** Stripe refuses `expires_at` under 30 minutes; a shorter sandbox hold lowers that bar so holds can expire. */
export function minExpirySecondsFor(holdSeconds: number): number {
  return Math.max(1, Math.min(1800, holdSeconds - 60));
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1";
  let stripe: FakeStripe | undefined;
  let calendly: FakeCalendly | undefined;
  try {
    if (options.stripe) {
      stripe = await startFakeStripe({
        host,
        port: options.stripe.port ?? 0,
        secretKey: sandboxSecrets.stripeSecretKey,
        webhookSecret: sandboxSecrets.stripeWebhookSecret,
        autoExpire: options.stripe.autoExpire ?? true,
        minExpirySeconds: minExpirySecondsFor(options.stripe.holdSeconds ?? 1860),
      });
    }
    if (options.calendly) {
      calendly = await startFakeCalendly({
        host,
        port: options.calendly.port ?? 0,
        token: sandboxSecrets.calendlyToken,
        webhookSigningKey: sandboxSecrets.calendlyWebhookSigningKey,
        eventTypes: options.calendly.eventTypes,
        users: options.calendly.users ?? sandboxUsers,
        oauth: {
          clientId: sandboxSecrets.calendlyOAuthClientId,
          clientSecret: sandboxSecrets.calendlyOAuthClientSecret,
          signingKey: sandboxSecrets.calendlyWebhookSigningKey,
          redirectUris: options.calendly.oauthRedirectUris ?? [],
        },
      });
    }
  } catch (error) {
    await Promise.all([stripe?.close(), calendly?.close()]);
    throw error;
  }
  const serviceEnv: Record<string, string> = { PROVIDER_MODE: "sandbox" };
  if (stripe) serviceEnv.STRIPE_API_BASE = stripe.url;
  if (calendly) {
    serviceEnv.CALENDLY_API_BASE = calendly.apiBase;
    serviceEnv.CALENDLY_ORIGIN = calendly.url;
    serviceEnv.CALENDLY_AUTH_BASE = calendly.authBase;
    serviceEnv.CALENDLY_OAUTH_CLIENT_ID = sandboxSecrets.calendlyOAuthClientId;
    serviceEnv.CALENDLY_OAUTH_CLIENT_SECRET = sandboxSecrets.calendlyOAuthClientSecret;
  }
  const deliverTo = (serviceUrl: string) => {
    const base = serviceUrl.replace(/\/+$/, "");
    stripe?.setWebhookUrl(`${base}/webhooks/stripe`);
    calendly?.setWebhookUrl(`${base}/webhooks/calendly`);
    if (calendly) {
      const callback = `${base}${CALENDLY_OAUTH_CALLBACK_PATH}`;
      const uris = calendly.oauthApp.redirectUris;
      if (!uris.includes(callback)) calendly.setOAuthRedirectUris([...uris, callback]);
    }
  };
  if (options.serviceUrl) deliverTo(options.serviceUrl);
  return {
    stripe,
    calendly,
    serviceEnv,
    deliverTo,
    close: async () => {
      await Promise.all([stripe?.close(), calendly?.close()]);
    },
  };
}
