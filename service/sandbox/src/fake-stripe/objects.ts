// Renders the fake's records as Stripe API objects. Every object carries exactly the top-level
// keys of Stripe's own example objects (service/test/fixtures/stripe/*.json), with realistic values
// for the fields the service reads and Stripe's defaults (mostly null) for the rest.
import type {
  ChargeRecord,
  LineItemRecord,
  PaymentIntentRecord,
  RefundRecord,
  SessionRecord,
  StripeEventObject,
} from "./store.js";

export type StripeObject = Record<string, unknown>;

/** Stripe lists `id` and `object` first and the other keys alphabetically. */
export function ordered(obj: StripeObject): StripeObject {
  const out: StripeObject = {};
  if ("id" in obj) out["id"] = obj["id"];
  if ("object" in obj) out["object"] = obj["object"];
  for (const key of Object.keys(obj).sort()) if (key !== "id" && key !== "object") out[key] = obj[key];
  return out;
}

const nullAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });

export function renderSession(s: SessionRecord): StripeObject {
  return ordered({
    id: s.id,
    object: "checkout.session",
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: s.allowPromotionCodes,
    amount_subtotal: s.amountSubtotal,
    amount_total: s.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: s.cancelUrl,
    client_reference_id: s.clientReferenceId,
    client_secret: null,
    collected_information:
      s.status === "complete" ? { business_name: null, individual_name: null, shipping_details: null } : null,
    consent: null,
    consent_collection: null,
    created: s.created,
    currency: s.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_account: null,
    customer_creation: "if_required",
    customer_details: s.customerDetails
      ? {
          address: nullAddress(),
          business_name: null,
          email: s.customerDetails.email,
          individual_name: null,
          name: s.customerDetails.name,
          phone: null,
          tax_exempt: "none",
          tax_ids: [],
        }
      : null,
    customer_email: s.customerEmail,
    discounts: [],
    expires_at: s.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: {
      enabled: s.invoiceCreation.enabled,
      invoice_data: {
        account_tax_ids: null,
        custom_fields: null,
        description: s.invoiceCreation.description,
        footer: s.invoiceCreation.footer,
        issuer: null,
        metadata: { ...s.invoiceCreation.metadata },
        rendering_options: null,
      },
    },
    livemode: false,
    locale: s.locale,
    managed_payments: { enabled: false },
    metadata: { ...s.metadata },
    mode: s.mode,
    origin_context: null,
    payment_intent: s.paymentIntent,
    payment_link: null,
    payment_method_collection: "if_required",
    payment_method_configuration_details: null,
    payment_method_options: s.paymentMethodTypes.includes("card")
      ? { card: { request_three_d_secure: "automatic" } }
      : {},
    payment_method_types: [...s.paymentMethodTypes],
    payment_status: s.paymentStatus,
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: s.status,
    submit_type: s.submitType,
    subscription: null,
    success_url: s.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    // Stripe clears the URL once the session can no longer be paid.
    url: s.status === "open" ? s.url : null,
    wallet_options: null,
  });
}

export function renderLineItems(s: SessionRecord): StripeObject {
  return {
    object: "list",
    data: s.lineItems.map(renderLineItem),
    has_more: false,
    url: `/v1/checkout/sessions/${s.id}/line_items`,
  };
}

function renderLineItem(li: LineItemRecord): StripeObject {
  const amount = li.unitAmount * li.quantity;
  return ordered({
    id: li.id,
    object: "item",
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: li.currency,
    description: li.description,
    price: ordered({
      id: `price_${li.id.slice(3)}`,
      object: "price",
      active: false,
      billing_scheme: "per_unit",
      created: 0,
      currency: li.currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      product: `prod_${li.id.slice(3, 17)}`,
      recurring: null,
      tax_behavior: "unspecified",
      tiers_mode: null,
      transform_quantity: null,
      type: "one_time",
      unit_amount: li.unitAmount,
      unit_amount_decimal: String(li.unitAmount),
    }),
    quantity: li.quantity,
  });
}

export function renderPaymentIntent(pi: PaymentIntentRecord): StripeObject {
  return ordered({
    id: pi.id,
    object: "payment_intent",
    amount: pi.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: pi.amountReceived,
    application: null,
    application_fee_amount: pi.applicationFeeAmount,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: pi.clientSecret,
    confirmation_method: "automatic",
    created: pi.created,
    currency: pi.currency,
    customer: null,
    customer_account: null,
    description: pi.description,
    excluded_payment_method_types: null,
    last_payment_error: pi.lastPaymentError ? { ...pi.lastPaymentError } : null,
    latest_charge: pi.latestCharge,
    livemode: false,
    managed_payments: { enabled: false },
    metadata: { ...pi.metadata },
    next_action: null,
    on_behalf_of: pi.onBehalfOf,
    payment_method: pi.status === "requires_payment_method" ? null : pi.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options:
      pi.paymentMethodKind === "card"
        ? { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } }
        : { us_bank_account: { verification_method: "automatic" } },
    payment_method_types: [pi.paymentMethodKind],
    processing: pi.status === "processing" ? { type: pi.paymentMethodKind } : null,
    receipt_email: pi.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: pi.statementDescriptor,
    statement_descriptor_suffix: pi.statementDescriptorSuffix,
    status: pi.status,
    transfer_data: pi.destination
      ? { ...(pi.transferAmount !== null ? { amount: pi.transferAmount } : {}), destination: pi.destination }
      : null,
    transfer_group: pi.transferGroup,
  });
}

function paymentMethodDetails(ch: ChargeRecord): StripeObject {
  if (ch.paymentMethodKind === "us_bank_account") {
    return {
      type: "us_bank_account",
      us_bank_account: {
        account_holder_type: "individual",
        account_type: "checking",
        bank_name: "STRIPE TEST BANK",
        fingerprint: "SandboxBank0001",
        last4: "6789",
        mandate: null,
        payment_reference: null,
        routing_number: "110000000",
      },
    };
  }
  return {
    type: "card",
    card: {
      amount_authorized: ch.amount,
      authorization_code: null,
      brand: "visa",
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      extended_authorization: { status: "disabled" },
      fingerprint: "SandboxCard00001",
      funding: "credit",
      incremental_authorization: { status: "unavailable" },
      installments: null,
      last4: "4242",
      mandate: null,
      multicapture: { status: "unavailable" },
      network: "visa",
      network_token: { used: false },
      network_transaction_id: null,
      overcapture: { maximum_amount_capturable: ch.amount, status: "unavailable" },
      regulated_status: "unregulated",
      three_d_secure: null,
      wallet: null,
    },
  };
}

/**
 * A charge as the API answers it. Since API version 2022-11-15 Stripe leaves `refunds` out
 * unless the request expands it (`expand[]=refunds`); see renderChargeRefunds.
 */
export function renderCharge(ch: ChargeRecord): StripeObject {
  const succeeded = ch.status === "succeeded";
  return ordered({
    id: ch.id,
    object: "charge",
    amount: ch.amount,
    amount_captured: succeeded ? ch.amount : 0,
    amount_refunded: ch.amountRefunded,
    application: null,
    application_fee: ch.applicationFee,
    application_fee_amount: ch.applicationFeeAmount,
    balance_transaction: ch.balanceTransaction,
    billing_details: {
      address: nullAddress(),
      email: ch.billingEmail,
      name: ch.billingName,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: "SANDBOX",
    captured: succeeded,
    created: ch.created,
    currency: ch.currency,
    customer: null,
    description: ch.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: ch.failureCode,
    failure_message: ch.failureMessage,
    fraud_details: {},
    livemode: false,
    metadata: { ...ch.metadata },
    on_behalf_of: ch.onBehalfOf,
    outcome:
      ch.status === "failed"
        ? {
            advice_code: null,
            network_advice_code: null,
            network_decline_code: null,
            network_status: "declined_by_network",
            reason: ch.failureCode,
            risk_level: "normal",
            seller_message: "The bank returned the decline code `insufficient_funds`.",
            type: "issuer_declined",
          }
        : {
            advice_code: null,
            network_advice_code: null,
            network_decline_code: null,
            network_status: "approved_by_network",
            reason: null,
            risk_level: "normal",
            seller_message: "Payment complete.",
            type: "authorized",
          },
    paid: succeeded,
    payment_intent: ch.paymentIntent,
    payment_method: ch.paymentMethod,
    payment_method_details: paymentMethodDetails(ch),
    receipt_email: ch.receiptEmail,
    receipt_number: null,
    receipt_url: null,
    refunded: ch.amountRefunded > 0 && ch.amountRefunded >= ch.amount,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: ch.status,
    // Only a charge that made a transfer (a destination charge) has `transfer`.
    ...(ch.transfer ? { transfer: ch.transfer } : {}),
    transfer_data: ch.destination ? { amount: ch.transferAmount, destination: ch.destination } : null,
    transfer_group: ch.transferGroup,
  });
}

/** The charge's refunds list, newest first, as `expand[]=refunds` adds it. */
export function renderChargeRefunds(ch: ChargeRecord, refunds: RefundRecord[]): StripeObject {
  return renderList(`/v1/charges/${ch.id}/refunds`, refunds.map(renderRefund));
}

export function renderRefund(re: RefundRecord): StripeObject {
  return ordered({
    id: re.id,
    object: "refund",
    amount: re.amount,
    balance_transaction: re.balanceTransaction,
    charge: re.charge,
    created: re.created,
    currency: re.currency,
    customer: null,
    customer_account: null,
    destination_details: {
      card: { reference_status: "available", reference_type: "acquirer_reference_number", type: "refund" },
      type: "card",
    },
    metadata: { ...re.metadata },
    payment_intent: re.paymentIntent,
    payment_method: null,
    reason: re.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: re.status,
    transfer_reversal: re.transferReversal,
  });
}

export function renderEvent(
  evt: Omit<StripeEventObject, "object" | "livemode"> & { object?: "event"; livemode?: boolean },
): StripeEventObject {
  return ordered({ ...evt, object: "event", livemode: false }) as unknown as StripeEventObject;
}

export function renderWebhookEndpoint(opts: {
  id: string;
  url: string;
  created: number;
  apiVersion: string;
  enabledEvents: readonly string[];
  description?: string;
}): StripeObject {
  return ordered({
    id: opts.id,
    object: "webhook_endpoint",
    api_version: opts.apiVersion,
    application: null,
    created: opts.created,
    description: opts.description ?? "Sandbox webhook endpoint (fake Stripe)",
    enabled_events: [...opts.enabledEvents],
    livemode: false,
    metadata: {},
    status: "enabled",
    url: opts.url,
  });
}

export function renderAccount(opts: { id: string; created: number }): StripeObject {
  return ordered({
    id: opts.id,
    object: "account",
    business_profile: { name: "Sandbox (fake Stripe)", url: null, support_email: null, mcc: null },
    business_type: null,
    capabilities: { card_payments: "active", transfers: "active" },
    charges_enabled: true,
    country: "US",
    created: opts.created,
    default_currency: "usd",
    details_submitted: true,
    email: null,
    metadata: { sandbox: "true" },
    payouts_enabled: true,
    settings: { dashboard: { display_name: "Sandbox", timezone: "Etc/UTC" } },
    type: "standard",
  });
}

/** `{object: "list"}` wrapper used by list endpoints. */
export function renderList(url: string, data: unknown[], hasMore = false): StripeObject {
  return { object: "list", data, has_more: hasMore, url };
}
