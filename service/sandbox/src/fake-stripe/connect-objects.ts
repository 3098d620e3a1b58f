// Renders Connect records as Stripe API objects (account, account_link, transfer,
// transfer_reversal, application_fee, fee_refund, balance, payout), each with exactly the
// top-level keys of Stripe's example objects (service/test/fixtures/stripe/*.json).
import type { Amounts } from "./balances.js";
import { ordered, renderList, type StripeObject } from "./objects.js";
import type {
  AccountLinkRecord,
  AccountRecord,
  ApplicationFeeRecord,
  FeeRefundRecord,
  PayoutRecord,
  TransferRecord,
  TransferReversalRecord,
} from "./store.js";

const nullAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });

/** A requested capability's status: active once enabled, pending while Stripe reviews, else inactive. */
export function capabilityStatus(a: AccountRecord): "active" | "inactive" | "pending" {
  if (a.state === "enabled") return "active";
  if (a.disabledReason === "under_review" || a.disabledReason === "requirements.pending_verification") return "pending";
  return "inactive";
}

function requirements(a: AccountRecord): StripeObject {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: [...a.currentlyDue],
    disabled_reason: a.disabledReason,
    errors: [],
    eventually_due: [...a.currentlyDue],
    past_due: [...a.pastDue],
    pending_verification: a.disabledReason === "requirements.pending_verification" ? ["individual.id_number"] : [],
  };
}

export function renderConnectedAccount(a: AccountRecord, tosDate: number | null): StripeObject {
  const status = capabilityStatus(a);
  const capabilities: Record<string, string> = {};
  for (const name of [...a.capabilities].sort()) capabilities[name] = status;
  const enabled = a.state === "enabled";
  return ordered({
    id: a.id,
    object: "account",
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: a.detailsSubmitted ? "7299" : null,
      minority_owned_business_designation: null,
      name: a.businessName,
      product_description: null,
      support_address: nullAddress(),
      support_email: null,
      support_phone: null,
      support_url: null,
      url: a.businessUrl,
    },
    business_type: a.businessType ?? (a.detailsSubmitted ? "individual" : null),
    capabilities,
    // charges_enabled follows card_payments: an account that only receives transfers never charges itself.
    charges_enabled: enabled && a.capabilities.includes("card_payments"),
    controller: {
      fees: { payer: a.controller.fees.payer },
      is_controller: true,
      losses: { payments: a.controller.losses.payments },
      requirement_collection: a.controller.requirementCollection,
      stripe_dashboard: { type: a.controller.dashboard },
      type: "application",
    },
    country: a.country,
    created: a.created,
    default_currency: a.defaultCurrency,
    details_submitted: a.detailsSubmitted,
    email: a.email,
    external_accounts: renderList(`/v1/accounts/${a.id}/external_accounts`, []),
    future_requirements: {
      alternatives: [],
      current_deadline: null,
      currently_due: [],
      disabled_reason: null,
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    },
    metadata: { ...a.metadata },
    payouts_enabled: enabled,
    requirements: requirements(a),
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_issuing: { tos_acceptance: { date: null, ip: null } },
      card_payments: {
        decline_on: { avs_failure: false, cvc_failure: false },
        statement_descriptor_prefix: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      dashboard: { display_name: a.businessName, timezone: "Etc/UTC" },
      invoices: { default_account_tax_ids: null, hosted_payment_method_save: "offer" },
      payments: {
        statement_descriptor: null,
        statement_descriptor_kana: null,
        statement_descriptor_kanji: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      payouts: {
        debit_negative_balances: true,
        schedule: { delay_days: 2, interval: "daily" },
        statement_descriptor: null,
      },
      sepa_debit_payments: {},
    },
    tos_acceptance: tosDate
      ? { date: tosDate, ip: "127.0.0.1", user_agent: "Sandbox onboarding" }
      : { date: null, ip: null, user_agent: null },
    type: a.type,
  });
}

export function renderDeletedAccount(id: string): StripeObject {
  return { id, object: "account", deleted: true };
}

export function renderAccountLink(l: AccountLinkRecord): StripeObject {
  return ordered({ object: "account_link", created: l.created, expires_at: l.expiresAt, url: l.url });
}

export function renderTransfer(tr: TransferRecord, reversals: TransferReversalRecord[]): StripeObject {
  return ordered({
    id: tr.id,
    object: "transfer",
    amount: tr.amount,
    amount_reversed: tr.amountReversed,
    balance_transaction: tr.balanceTransaction,
    created: tr.created,
    currency: tr.currency,
    description: null,
    destination: tr.destination,
    destination_payment: tr.destinationPayment,
    livemode: false,
    metadata: { ...tr.metadata },
    reversals: renderList(`/v1/transfers/${tr.id}/reversals`, reversals.map(renderTransferReversal)),
    reversed: tr.amountReversed >= tr.amount && tr.amount > 0,
    source_transaction: tr.sourceTransaction,
    source_type: "card",
    transfer_group: tr.transferGroup,
  });
}

export function renderTransferReversal(r: TransferReversalRecord): StripeObject {
  return ordered({
    id: r.id,
    object: "transfer_reversal",
    amount: r.amount,
    balance_transaction: r.balanceTransaction,
    created: r.created,
    currency: r.currency,
    destination_payment_refund: r.destinationPaymentRefund,
    metadata: { ...r.metadata },
    source_refund: r.sourceRefund,
    transfer: r.transfer,
  });
}

export function renderApplicationFee(
  fee: ApplicationFeeRecord,
  refunds: FeeRefundRecord[],
  application: string,
): StripeObject {
  return ordered({
    id: fee.id,
    object: "application_fee",
    account: fee.account,
    amount: fee.amount,
    amount_refunded: fee.amountRefunded,
    application,
    balance_transaction: fee.balanceTransaction,
    charge: fee.charge,
    created: fee.created,
    currency: fee.currency,
    fee_source: { charge: fee.charge, type: "charge" },
    livemode: false,
    originating_transaction: fee.originatingTransaction,
    refunded: fee.amountRefunded >= fee.amount && fee.amount > 0,
    refunds: renderList(`/v1/application_fees/${fee.id}/refunds`, refunds.map(renderFeeRefund)),
  });
}

export function renderFeeRefund(fr: FeeRefundRecord): StripeObject {
  return ordered({
    id: fr.id,
    object: "fee_refund",
    amount: fr.amount,
    balance_transaction: fr.balanceTransaction,
    created: fr.created,
    currency: fr.currency,
    fee: fr.fee,
    metadata: { ...fr.metadata },
  });
}

/** GET /v1/balance: everything available at once in the sandbox (nothing pending or reserved). */
export function renderBalance(available: Amounts, defaultCurrency: string): StripeObject {
  const currencies = Object.keys(available).sort();
  if (currencies.length === 0) currencies.push(defaultCurrency);
  return ordered({
    object: "balance",
    available: currencies.map((currency) => ({
      amount: available[currency] ?? 0,
      currency,
      source_types: { card: available[currency] ?? 0 },
    })),
    connect_reserved: currencies.map((currency) => ({ amount: 0, currency })),
    livemode: false,
    pending: currencies.map((currency) => ({ amount: 0, currency, source_types: { card: 0 } })),
  });
}

export function renderPayout(po: PayoutRecord): StripeObject {
  return ordered({
    id: po.id,
    object: "payout",
    amount: po.amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: po.created + 2 * 24 * 60 * 60,
    automatic: true,
    balance_transaction: po.balanceTransaction,
    created: po.created,
    currency: po.currency,
    description: "STRIPE PAYOUT",
    destination: `ba_${po.account.slice(5, 21)}`,
    failure_balance_transaction: po.failureBalanceTransaction,
    failure_code: po.failureCode,
    failure_message: po.failureMessage,
    livemode: false,
    metadata: {},
    method: "standard",
    original_payout: null,
    payout_method: null,
    reconciliation_status: po.status === "paid" ? "completed" : "not_applicable",
    reversed_by: null,
    source_type: "card",
    statement_descriptor: null,
    status: po.status,
    trace_id: { status: po.status === "paid" ? "supported" : "pending", value: null },
    type: "bank_account",
  });
}

/** `data.object` of account.application.deauthorized: the platform's Connect application. */
export function renderApplication(id: string, name: string): StripeObject {
  return { id, object: "application", name };
}
