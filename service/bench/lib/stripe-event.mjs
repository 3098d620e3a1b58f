// Signed Stripe events as Stripe sends them: a `checkout.session.expired` event whose session
// (keys as in Stripe's example Checkout Session) the service does not know, so the service
// stores, claims and processes it to the outcome `unknown_session`.
import { signatureHeader } from "../../dist/providers/webhook-signature.js";

export const STRIPE_WEBHOOK_SECRET = "whsec_sandbox";

const session = {
  id: "__CS__",
  object: "checkout.session",
  after_expiration: null,
  allow_promotion_codes: null,
  amount_subtotal: 15000,
  amount_total: 15000,
  automatic_tax: { enabled: false, liability: null, status: null },
  billing_address_collection: null,
  cancel_url: "https://bench.example/book?cancelled=1",
  client_reference_id: null,
  client_secret: null,
  consent: null,
  consent_collection: null,
  created: 1764000000,
  currency: "usd",
  custom_fields: [],
  custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
  customer: null,
  customer_creation: "if_required",
  customer_details: null,
  customer_email: "visitor@example.com",
  expires_at: 1764001800,
  invoice: null,
  invoice_creation: {
    enabled: false,
    invoice_data: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: null,
      metadata: {},
      rendering_options: null,
    },
  },
  livemode: false,
  locale: null,
  metadata: {},
  mode: "payment",
  payment_intent: null,
  payment_link: null,
  payment_method_collection: "if_required",
  payment_method_configuration_details: null,
  payment_method_options: { card: { request_three_d_secure: "automatic" } },
  payment_method_types: ["card"],
  payment_status: "unpaid",
  phone_number_collection: { enabled: false },
  recovered_from: null,
  saved_payment_method_options: null,
  setup_intent: null,
  shipping_address_collection: null,
  shipping_cost: null,
  shipping_options: [],
  status: "expired",
  submit_type: null,
  subscription: null,
  success_url: "https://bench.example/book?session_id={CHECKOUT_SESSION_ID}",
  total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
  ui_mode: "hosted",
  url: null,
};

const template = JSON.stringify({
  id: "__EVT__",
  object: "event",
  api_version: "2025-10-29.clover",
  created: 1764001801,
  data: { object: session },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type: "checkout.session.expired",
});

/** Body and headers of one signed delivery of event `eventId`. */
export function signedStripeEvent(eventId, sessionId = `cs_test_unknown_${eventId}`) {
  const body = template.replace("__EVT__", eventId).replace("__CS__", sessionId);
  return {
    body,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "stripe-signature": signatureHeader(STRIPE_WEBHOOK_SECRET, body),
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    },
  };
}

/** An autocannon request list that POSTs a new signed event per request. */
export function uniqueEventRequests(prefix, counter = { n: 0 }, path = "/webhooks/stripe") {
  return [
    {
      method: "POST",
      path,
      setupRequest: (req) => {
        const { body, headers } = signedStripeEvent(`evt_${prefix}_${counter.n++}`);
        return { ...req, body, headers: { ...req.headers, ...headers } };
      },
    },
  ];
}

/** Requests that re-deliver events picked by `pick()` (duplicates of stored events). */
export function redeliveryRequests(pick) {
  return [
    {
      method: "POST",
      path: "/webhooks/stripe",
      setupRequest: (req) => {
        const { body, headers } = signedStripeEvent(pick());
        return { ...req, body, headers: { ...req.headers, ...headers } };
      },
    },
  ];
}

export const eventBytes = Buffer.byteLength(signedStripeEvent("evt_x").body);
