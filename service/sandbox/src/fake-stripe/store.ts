// In-memory state of the fake: the records behind checkout sessions, payment intents, charges,
// refunds, events and Connect (connected accounts, account links, transfers, application fees,
// payouts). Records hold what can change; objects.ts renders them in Stripe's shapes.
import { resourceMissing } from "./errors.js";

export type Metadata = Record<string, string>;

export interface LineItemRecord {
  id: string;
  description: string;
  quantity: number;
  unitAmount: number;
  currency: string;
  productName: string;
  productDescription: string | null;
  productMetadata: Metadata;
}

/** What `payment_intent_data` carries over to the PaymentIntent (destination charges included). */
export interface PaymentIntentData {
  metadata: Metadata;
  description: string | null;
  receiptEmail: string | null;
  statementDescriptor: string | null;
  statementDescriptorSuffix: string | null;
  /** `transfer_data[destination]`: a destination charge to this connected account. */
  destination: string | null;
  /** `transfer_data[amount]`: transfer this much instead of the whole charge. */
  transferAmount: number | null;
  applicationFeeAmount: number | null;
  onBehalfOf: string | null;
  transferGroup: string | null;
}

export interface InvoiceCreation {
  enabled: boolean;
  description: string | null;
  footer: string | null;
  metadata: Metadata;
}

export type SessionStatus = "open" | "complete" | "expired";
export type PaymentStatus = "paid" | "unpaid" | "no_payment_required";

export interface SessionRecord {
  id: string;
  created: number;
  expiresAt: number;
  status: SessionStatus;
  paymentStatus: PaymentStatus;
  mode: "payment";
  currency: string;
  amountSubtotal: number;
  amountTotal: number;
  lineItems: LineItemRecord[];
  clientReferenceId: string | null;
  customerEmail: string | null;
  customerDetails: { email: string | null; name: string | null } | null;
  metadata: Metadata;
  paymentIntentData: PaymentIntentData;
  /** `allow_promotion_codes` as sent (null when not sent). */
  allowPromotionCodes: boolean | null;
  /** `invoice_creation`: a post-payment invoice (receipt) for the payment. */
  invoiceCreation: InvoiceCreation;
  successUrl: string;
  cancelUrl: string | null;
  locale: string | null;
  submitType: string | null;
  paymentMethodTypes: string[];
  paymentIntent: string | null;
  url: string | null;
  /** How the customer paid: card settles at once; async (bank debit) settles later. */
  paymentMethodKind: "card" | "us_bank_account" | null;
  abandonedAt: number | null;
}

export type PaymentIntentStatus = "processing" | "succeeded" | "requires_payment_method" | "canceled";

/** A PaymentIntent: what its session's `payment_intent_data` carried, and its own state. */
export interface PaymentIntentRecord extends PaymentIntentData {
  id: string;
  created: number;
  amount: number;
  amountReceived: number;
  currency: string;
  status: PaymentIntentStatus;
  latestCharge: string | null;
  paymentMethod: string;
  paymentMethodKind: "card" | "us_bank_account";
  clientSecret: string;
  lastPaymentError: { type: string; code: string; message: string; decline_code?: string } | null;
}

export type ChargeStatus = "pending" | "succeeded" | "failed";

export interface ChargeRecord {
  id: string;
  created: number;
  amount: number;
  amountRefunded: number;
  currency: string;
  paymentIntent: string;
  status: ChargeStatus;
  metadata: Metadata;
  billingEmail: string | null;
  billingName: string | null;
  paymentMethod: string;
  paymentMethodKind: "card" | "us_bank_account";
  balanceTransaction: string | null;
  description: string | null;
  receiptEmail: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  refunds: string[];
  /** Destination charges: the connected account, the transfer to it and the fee taken back. */
  destination: string | null;
  transferAmount: number | null;
  applicationFeeAmount: number | null;
  onBehalfOf: string | null;
  transferGroup: string | null;
  transfer: string | null;
  applicationFee: string | null;
}

export interface RefundRecord {
  id: string;
  created: number;
  amount: number;
  charge: string;
  paymentIntent: string;
  currency: string;
  metadata: Metadata;
  reason: string | null;
  status: "succeeded";
  balanceTransaction: string;
  transferReversal: string | null;
}

/** The ways the sandbox's hosted onboarding can end (and what test controls set). */
export type AccountState = "new" | "incomplete" | "enabled" | "restricted";

export interface AccountRecord {
  id: string;
  created: number;
  /** v1 account type as Stripe reports it; `none` for controller combinations without one. */
  type: "express" | "standard" | "custom" | "none";
  controller: {
    fees: { payer: string };
    losses: { payments: "application" | "stripe" };
    requirementCollection: "application" | "stripe";
    dashboard: "express" | "full" | "none";
  };
  country: string;
  email: string | null;
  defaultCurrency: string;
  businessType: string | null;
  businessName: string | null;
  businessUrl: string | null;
  metadata: Metadata;
  /** Capabilities requested at creation (`capabilities[x][requested]=true`). */
  capabilities: string[];
  state: AccountState;
  detailsSubmitted: boolean;
  disabledReason: string | null;
  currentlyDue: string[];
  pastDue: string[];
  /** The platform lost access (account.application.deauthorized); the API refuses the account. */
  deauthorized: boolean;
  deleted: boolean;
  tosAcceptedAt: number | null;
}

export interface AccountLinkRecord {
  token: string;
  account: string;
  type: "account_onboarding" | "account_update";
  created: number;
  expiresAt: number;
  refreshUrl: string;
  returnUrl: string;
  url: string;
  /** Stripe's links are single use: the first visit consumes them; the form is then submitted once. */
  state: "fresh" | "visited" | "submitted";
}

/** A single-use link into the sandbox's Express Dashboard for one connected account. */
export interface LoginLinkRecord {
  token: string;
  account: string;
  created: number;
  url: string;
  used: boolean;
}

export interface TransferRecord {
  id: string;
  created: number;
  amount: number;
  amountReversed: number;
  currency: string;
  destination: string;
  destinationPayment: string;
  sourceTransaction: string;
  transferGroup: string | null;
  balanceTransaction: string;
  reversals: string[];
  metadata: Metadata;
}

export interface TransferReversalRecord {
  id: string;
  created: number;
  amount: number;
  currency: string;
  transfer: string;
  sourceRefund: string | null;
  destinationPaymentRefund: string;
  balanceTransaction: string;
  metadata: Metadata;
}

export interface ApplicationFeeRecord {
  id: string;
  created: number;
  account: string;
  amount: number;
  amountRefunded: number;
  currency: string;
  /** The connected account's payment (py_…) the fee was taken from. */
  charge: string;
  /** The platform's charge (ch_…) behind it. */
  originatingTransaction: string;
  balanceTransaction: string;
  refunds: string[];
}

export interface FeeRefundRecord {
  id: string;
  created: number;
  amount: number;
  currency: string;
  fee: string;
  balanceTransaction: string;
  metadata: Metadata;
}

export interface PayoutRecord {
  id: string;
  created: number;
  account: string;
  amount: number;
  currency: string;
  status: "paid" | "failed" | "in_transit" | "pending";
  failureCode: string | null;
  failureMessage: string | null;
  balanceTransaction: string;
  failureBalanceTransaction: string | null;
}

export interface StripeEventObject {
  id: string;
  object: "event";
  api_version: string | null;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
  /** Connect events: the connected account the event happened on (also in `context`). */
  account?: string;
  context?: string;
}

export class Store {
  readonly sessions = new Map<string, SessionRecord>();
  readonly paymentIntents = new Map<string, PaymentIntentRecord>();
  readonly charges = new Map<string, ChargeRecord>();
  readonly refunds = new Map<string, RefundRecord>();
  readonly events = new Map<string, StripeEventObject>();
  readonly accounts = new Map<string, AccountRecord>();
  /** By the token in the link's URL. */
  readonly accountLinks = new Map<string, AccountLinkRecord>();
  readonly loginLinks = new Map<string, LoginLinkRecord>();
  readonly transfers = new Map<string, TransferRecord>();
  readonly transferReversals = new Map<string, TransferReversalRecord>();
  readonly applicationFees = new Map<string, ApplicationFeeRecord>();
  readonly feeRefunds = new Map<string, FeeRefundRecord>();
  readonly payouts = new Map<string, PayoutRecord>();

  /** `param`: the body parameter that named the id; without it, the id came from the URL path. */
  session(id: string, param?: string): SessionRecord {
    const s = this.sessions.get(id);
    if (!s) throw resourceMissing("checkout.session", id, param ? { body: param } : { path: "session" });
    return s;
  }

  paymentIntent(id: string, param?: string): PaymentIntentRecord {
    const pi = this.paymentIntents.get(id);
    if (!pi) throw resourceMissing("payment_intent", id, param ? { body: param } : { path: "intent" });
    return pi;
  }

  charge(id: string, param?: string): ChargeRecord {
    const ch = this.charges.get(id);
    if (!ch) throw resourceMissing("charge", id, param ? { body: param } : { path: "charge" });
    return ch;
  }

  refund(id: string, param?: string): RefundRecord {
    const re = this.refunds.get(id);
    if (!re) throw resourceMissing("refund", id, param ? { body: param } : { path: "refund" });
    return re;
  }

  transfer(id: string, param?: string): TransferRecord {
    const tr = this.transfers.get(id);
    if (!tr) throw resourceMissing("transfer", id, param ? { body: param } : { path: "transfer" });
    return tr;
  }

  applicationFee(id: string, param?: string): ApplicationFeeRecord {
    const fee = this.applicationFees.get(id);
    if (!fee) throw resourceMissing("application fee", id, param ? { body: param } : { path: "id" });
    return fee;
  }

  payout(id: string, account: string): PayoutRecord {
    const po = this.payouts.get(id);
    if (!po || po.account !== account) throw resourceMissing("payout", id, { path: "payout" });
    return po;
  }

  event(id: string): StripeEventObject {
    const evt = this.events.get(id);
    if (!evt) throw resourceMissing("event", id, { path: "id" });
    return evt;
  }

  sessionByPaymentIntent(piId: string): SessionRecord | undefined {
    for (const s of this.sessions.values()) if (s.paymentIntent === piId) return s;
    return undefined;
  }
}
