// The doctor's Stripe section: the key and its mode, the API version, the webhook endpoint.
import type Stripe from "stripe";
import { handledStripeEvents } from "../domain/webhooks/stripe-events.js";
import { STRIPE_API_VERSION } from "../providers/stripe.js";
import { deliveryChecks } from "./doctor-database.js";
import {
  DOCS,
  type DoctorInput,
  type DoctorStripe,
  errorText,
  normalizeUrl,
  type Report,
  sandboxFake,
} from "./doctor-report.js";

async function allEndpoints(stripe: DoctorStripe): Promise<Stripe.WebhookEndpoint[]> {
  const out: Stripe.WebhookEndpoint[] = [];
  let startingAfter: string | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await stripe.webhookEndpoints.list({
      limit: 100,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    });
    out.push(...res.data);
    if (!res.has_more || res.data.length === 0) break;
    startingAfter = res.data.at(-1)!.id;
  }
  return out;
}

export async function stripeChecks(
  r: Report,
  input: DoctorInput,
  base: string | undefined,
  dbReady: boolean,
): Promise<void> {
  r.in("Stripe");
  const { config, stripe } = input;
  const sandbox = config.stripe.sandbox;
  const key = config.stripe.secretKey;
  const live = /^(sk|rk)_live_/.test(key);
  const mode = live ? "live" : "test";
  const where = sandbox
    ? `sandbox Stripe (${sandboxFake(input.sandbox?.own?.stripe, input.sandbox?.stripeUrl)})`
    : "Stripe";

  if (live && config.calendly.sandbox) {
    r.fail(
      "STRIPE_SECRET_KEY is a live key while Calendly runs in sandbox mode: real money for simulated bookings",
      "set CALENDLY_TOKEN and CALENDLY_WEBHOOK_SIGNING_KEY, or use an sk_test_ key",
    );
  } else if (live && config.env !== "production") {
    r.warn(
      `STRIPE_SECRET_KEY is a live key but NODE_ENV=${config.env}`,
      "use sk_test_ keys outside production, or set NODE_ENV=production",
    );
  } else if (!live && !sandbox && config.env === "production") {
    r.warn(
      "STRIPE_SECRET_KEY is a test-mode key in production: customers cannot really pay",
      "switch to the live secret key and the live endpoint's signing secret when you go live",
    );
  }
  if (key.startsWith("rk_")) {
    r.info("STRIPE_SECRET_KEY is a restricted key; it needs write access to Checkout Sessions and Refunds");
  }

  try {
    const account = await stripe.accounts.retrieveCurrent();
    const label = account.settings?.dashboard?.display_name ?? account.business_profile?.name ?? null;
    r.pass(`${where} accepts the ${mode}-mode key: account ${account.id}${label ? ` (${label})` : ""}`);
    if (live && account.charges_enabled === false) {
      r.fail(
        `Stripe account ${account.id} cannot take live charges yet`,
        "finish activating the account in the Stripe Dashboard",
      );
    }
  } catch (error) {
    const e = error as { type?: string; statusCode?: number };
    if (e.type === "StripeAuthenticationError" || e.statusCode === 401) {
      r.fail(
        `${where} rejects STRIPE_SECRET_KEY (${errorText(error)})`,
        "copy the secret key again from Stripe Dashboard → Developers → API keys",
      );
      return;
    }
    if (e.type === "StripePermissionError" || e.statusCode === 403) {
      r.warn(
        `the restricted key may not read the account (${errorText(error)})`,
        "allow read access to Account (or accept this warning)",
      );
    } else {
      r.fail(
        `${where} cannot be reached (${errorText(error)})`,
        "check this host's outbound network access to api.stripe.com",
      );
      return;
    }
  }

  if (!base) {
    r.info("webhook endpoint not checked: PUBLIC_URL is not set");
    return;
  }
  const expected = `${base}/webhooks/stripe`;
  let endpoints: Stripe.WebhookEndpoint[];
  try {
    endpoints = await allEndpoints(stripe);
  } catch (error) {
    r.warn(
      `cannot list webhook endpoints (${errorText(error)})`,
      `check in the Dashboard that ${expected} receives ${handledStripeEvents.join(", ")}`,
    );
    return;
  }
  const matching = endpoints.filter((ep) => normalizeUrl(ep.url) === normalizeUrl(expected));
  if (matching.length === 0) {
    const others = endpoints.map((ep) => ep.url);
    r.fail(
      others.length
        ? `no ${mode}-mode Stripe webhook endpoint for ${expected}; the ones found are ${others.join(", ")}`
        : `no ${mode}-mode Stripe webhook endpoint for ${expected}`,
      `add it in Dashboard → Developers → Webhooks with events ${handledStripeEvents.join(", ")}, ` +
        `and set STRIPE_WEBHOOK_SECRET to its signing secret (see ${DOCS})`,
    );
    return;
  }
  const ep = matching.find((e) => e.status === "enabled") ?? matching[0]!;
  if (ep.livemode !== live) {
    r.fail(
      `mode mismatch: STRIPE_SECRET_KEY is a ${mode}-mode key but Stripe answered with ${ep.livemode ? "live" : "test"}-mode data`,
      "take STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET from the same mode of the same Stripe account",
    );
  }
  if (ep.status !== "enabled") {
    r.fail(
      `the webhook endpoint ${ep.id} for ${expected} is ${ep.status}`,
      "enable it in Dashboard → Developers → Webhooks",
    );
  }
  const enabled = new Set(ep.enabled_events);
  const missing = enabled.has("*") ? [] : handledStripeEvents.filter((e) => !enabled.has(e));
  if (missing.length > 0) {
    r.fail(
      `the webhook endpoint ${ep.id} for ${expected} does not send ${missing.join(", ")}`,
      `add ${missing.join(", ")} to the endpoint's events (Dashboard → Webhooks → the endpoint → Update details)`,
    );
  } else if (ep.status === "enabled") {
    r.pass(
      `webhook endpoint ${ep.id} sends ${enabled.has("*") ? "all events" : handledStripeEvents.join(", ")} → ${expected}` +
        (sandbox ? " (the sandbox registers the service automatically)" : ""),
    );
  }
  if (ep.api_version && ep.api_version !== STRIPE_API_VERSION) {
    r.warn(
      `the webhook endpoint sends events in API version ${ep.api_version}; the service is written against ${STRIPE_API_VERSION}`,
      `create the endpoint again with api_version=${STRIPE_API_VERSION}`,
    );
  }
  if (matching.length > 1) {
    r.warn(
      `${matching.length} webhook endpoints point at ${expected}; each signs with its own secret and only one can match STRIPE_WEBHOOK_SECRET`,
      "delete the extra endpoints",
    );
  }
  if (!sandbox) {
    r.info(
      "Stripe never reveals an endpoint's signing secret; the delivery log below shows whether STRIPE_WEBHOOK_SECRET matches",
    );
  }
  if (dbReady && input.db) await deliveryChecks(r, input.db, "STRIPE", "STRIPE_WEBHOOK_SECRET", 300);
}
