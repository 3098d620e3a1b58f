// In-memory state of the fake: the records behind checkout sessions, payment intents, charges,
// refunds and events. Records hold what can change; objects.ts renders them in Stripe's shapes.
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
  paymentIntentData: {
    metadata: Metadata;
    description: string | null;
    receiptEmail: string | null;
    statementDescriptor: string | null;
    statementDescriptorSuffix: string | null;
  };
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

export interface PaymentIntentRecord {
  id: string;
  created: number;
  amount: number;
  amountReceived: number;
  currency: string;
  status: PaymentIntentStatus;
  latestCharge: string | null;
  metadata: Metadata;
  description: string | null;
  receiptEmail: string | null;
  statementDescriptor: string | null;
  statementDescriptorSuffix: string | null;
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
}

export class Store {
  readonly sessions = new Map<string, SessionRecord>();
  readonly paymentIntents = new Map<string, PaymentIntentRecord>();
  readonly charges = new Map<string, ChargeRecord>();
  readonly refunds = new Map<string, RefundRecord>();
  readonly events = new Map<string, StripeEventObject>();

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
