// What the fake Stripe does, independent of HTTP: create, pay, settle, abandon and expire
// checkout sessions, refund charges, expand ids, and raise (and deliver) events; Connect's part
// (accounts, destination charges, reversals) lives in connect.ts, reached through `connect`. The
// API routes, the hosted pages and the FakeStripe test helpers all call these same methods.
import { Ledger } from "./balances.js";
import { Connect } from "./connect.js";
import { type ApiError, invalidParam, invalidState } from "./errors.js";
import { CONNECT_ENABLED_EVENTS, type DeliveryHandle, ENABLED_EVENTS, type EventDeliverer } from "./events.js";
import type { FormObject } from "./form.js";
import { newId } from "./ids.js";
import {
  renderCharge,
  renderChargeRefunds,
  renderEvent,
  renderLineItems,
  renderPaymentIntent,
  renderRefund,
  renderSession,
  type StripeObject,
} from "./objects.js";
import { expandList, metadata, optEnum, optInt, optString, rejectUnknown } from "./params.js";
import { parseSessionParams } from "./session-params.js";
import type { ChargeRecord, RefundRecord, SessionRecord, Store, StripeEventObject } from "./store.js";

/** The API request that caused a change (events carry it in `request`); null for customer actions. */
export interface RequestInfo {
  id: string | null;
  idempotencyKey: string | null;
}

const NO_REQUEST: RequestInfo = { id: null, idempotencyKey: null };

export interface CoreOptions {
  store: Store;
  deliverer: EventDeliverer;
  /** Delivers Connect events (those with `account`) to the Connect endpoint, signed with its secret. */
  connectDeliverer: EventDeliverer;
  secretKey: string;
  /** The platform's Connect application id (ca_…) and country. */
  application: string;
  platformCountry: string;
  apiVersion: string;
  minExpirySeconds: number;
  autoExpire: boolean;
  /** Delay before an async payment settles (negative: only when settle() is called). */
  asyncSettleMs: number;
  /** Base URL of the hosted pages as the browser sees it (publicUrl, else the server URL). */
  checkoutBase: () => string;
}

export interface PayOptions {
  /** Pay with a delayed method (bank debit): completes unpaid, settles later. */
  async?: boolean;
  /** Card: declined, the session stays open. Async: settles as failed. */
  fail?: boolean;
  /** Email typed on the page when the session has no customer_email. */
  email?: string;
  /** Cardholder name (default "Sandbox Customer"). */
  name?: string;
  /** Async only: override the settle delay; negative means only settle() settles it. */
  settleAfterMs?: number;
  /** Wait for the first delivery attempt of the resulting event before returning (default true). */
  waitForDelivery?: boolean;
}

export interface PayResult {
  outcome: "paid" | "processing" | "declined";
  session: StripeObject;
  /** Where the hosted page sends the browser: success_url, or null when declined. */
  redirectUrl: string | null;
  event: StripeEventObject | null;
}

export interface Emitted {
  event: StripeEventObject;
  delivery: DeliveryHandle | null;
}

const REFUND_PARAMS = new Set([
  "amount",
  "charge",
  "currency",
  "customer",
  "expand",
  "instructions_email",
  "metadata",
  "origin",
  "payment_intent",
  "reason",
  "refund_application_fee",
  "reverse_transfer",
]);

export class Core {
  readonly store: Store;
  readonly ledger = new Ledger();
  readonly connect: Connect;
  readonly #opts: CoreOptions;
  readonly #expiryTimers = new Map<string, NodeJS.Timeout>();
  readonly #settleTimers = new Map<string, NodeJS.Timeout>();
  /** Deliveries in flight, by event id (so test controls can wait for their first attempt). */
  readonly #deliveries = new Map<string, DeliveryHandle>();
  #closed = false;

  constructor(opts: CoreOptions) {
    this.store = opts.store;
    this.#opts = opts;
    this.connect = new Connect({
      store: opts.store,
      ledger: this.ledger,
      emit: (type, object, request, previous, account) => this.emit(type, object, request, previous, account),
      now: () => this.now(),
      secretKey: opts.secretKey,
      application: opts.application,
      applicationName: "Sandbox platform (fake Stripe)",
      platformCountry: opts.platformCountry,
      pageBase: opts.checkoutBase,
    });
  }

  now(): number {
    return Math.floor(Date.now() / 1000);
  }

  // ---- checkout sessions -------------------------------------------------------------------

  createSession(params: FormObject): { session: SessionRecord; expand: string[] } {
    const now = this.now();
    const input = parseSessionParams(params, now, this.#opts.minExpirySeconds);
    this.connect.validateDestination(input.paymentIntentData, input.amountTotal);
    const id = newId.checkoutSession();
    const session: SessionRecord = {
      id,
      created: now,
      expiresAt: input.expiresAt,
      status: "open",
      paymentStatus: "unpaid",
      mode: input.mode,
      currency: input.currency,
      amountSubtotal: input.amountTotal,
      amountTotal: input.amountTotal,
      lineItems: input.lineItems.map((li) => ({ id: newId.lineItem(), description: li.productName, ...li })),
      clientReferenceId: input.clientReferenceId,
      customerEmail: input.customerEmail,
      customerDetails: null,
      metadata: input.metadata,
      paymentIntentData: input.paymentIntentData,
      allowPromotionCodes: input.allowPromotionCodes,
      invoiceCreation: input.invoiceCreation,
      successUrl: input.successUrl.replaceAll("{CHECKOUT_SESSION_ID}", id),
      cancelUrl: input.cancelUrl?.replaceAll("{CHECKOUT_SESSION_ID}", id) ?? null,
      locale: input.locale,
      submitType: input.submitType,
      paymentMethodTypes: input.paymentMethodTypes,
      paymentIntent: null,
      url: `${this.#opts.checkoutBase().replace(/\/$/, "")}/checkout/${id}`,
      paymentMethodKind: null,
      abandonedAt: null,
    };
    this.store.sessions.set(id, session);
    this.#scheduleExpiry(session);
    return { session, expand: input.expand };
  }

  /** Expires an open session (API `/expire`, the expiry timer, and FakeStripe.expire). */
  expireSession(id: string, request: RequestInfo = NO_REQUEST): { session: SessionRecord; emitted: Emitted } {
    const s = this.store.session(id);
    if (s.status !== "open") {
      throw invalidState(
        `Only Checkout Sessions with a status in ["open"] can be expired. This session has status "${s.status}".`,
        "checkout_session_not_open",
      );
    }
    s.status = "expired";
    this.#clearTimer(this.#expiryTimers, id);
    return { session: s, emitted: this.emit("checkout.session.expired", renderSession(s), request) };
  }

  /** The customer left through "Cancel": Stripe keeps the session open until it expires. */
  abandon(id: string): { cancelUrl: string | null; session: SessionRecord } {
    const s = this.store.session(id);
    if (s.status === "open") s.abandonedAt = this.now();
    return { cancelUrl: s.cancelUrl, session: s };
  }

  /** The customer pressed Pay on the hosted page. */
  async pay(id: string, opts: PayOptions = {}): Promise<PayResult> {
    const s = this.store.session(id);
    this.expireIfDue(s);
    if (s.status !== "open") {
      throw invalidState(
        `This Checkout Session is ${s.status} and can no longer be paid.`,
        "checkout_session_not_open",
      );
    }
    if (opts.fail && !opts.async) {
      return { outcome: "declined", session: renderSession(s), redirectUrl: null, event: null };
    }
    this.connect.checkDestinationAtPayment(s.paymentIntentData.destination);
    const now = this.now();
    const kind = opts.async ? "us_bank_account" : "card";
    const email = opts.email?.trim() || s.customerEmail || "sandbox.customer@example.com";
    const name = opts.name ?? "Sandbox Customer";
    const piId = newId.paymentIntent();
    const chargeId = newId.charge();
    const paymentMethod = newId.paymentMethod();
    const pid = s.paymentIntentData;
    // Stripe groups a destination charge's transfer under the PaymentIntent unless told otherwise.
    const transferGroup = pid.transferGroup ?? (pid.destination ? `group_${piId}` : null);
    const connectFields = {
      destination: pid.destination,
      transferAmount: pid.transferAmount,
      applicationFeeAmount: pid.applicationFeeAmount,
      onBehalfOf: pid.onBehalfOf,
      transferGroup,
    };
    this.store.paymentIntents.set(piId, {
      ...connectFields,
      id: piId,
      created: now,
      amount: s.amountTotal,
      amountReceived: opts.async ? 0 : s.amountTotal,
      currency: s.currency,
      status: opts.async ? "processing" : "succeeded",
      latestCharge: chargeId,
      metadata: { ...pid.metadata },
      description: pid.description,
      receiptEmail: pid.receiptEmail,
      statementDescriptor: pid.statementDescriptor,
      statementDescriptorSuffix: pid.statementDescriptorSuffix,
      paymentMethod,
      paymentMethodKind: kind,
      clientSecret: newId.clientSecret(piId),
      lastPaymentError: null,
    });
    this.store.charges.set(chargeId, {
      ...connectFields,
      transfer: null,
      applicationFee: null,
      id: chargeId,
      created: now,
      amount: s.amountTotal,
      amountRefunded: 0,
      currency: s.currency,
      paymentIntent: piId,
      status: opts.async ? "pending" : "succeeded",
      // Charges created by a PaymentIntent carry its metadata.
      metadata: { ...pid.metadata },
      billingEmail: email,
      billingName: name,
      paymentMethod,
      paymentMethodKind: kind,
      balanceTransaction: opts.async ? null : newId.balanceTransaction(),
      description: pid.description,
      receiptEmail: pid.receiptEmail,
      failureCode: null,
      failureMessage: null,
      refunds: [],
    });
    s.status = "complete";
    s.paymentStatus = opts.async ? "unpaid" : "paid";
    s.paymentIntent = piId;
    s.paymentMethodKind = kind;
    s.customerDetails = { email, name };
    this.#clearTimer(this.#expiryTimers, id);
    if (!opts.async) this.connect.captured(this.store.charge(chargeId));
    const emitted = this.emit("checkout.session.completed", renderSession(s), NO_REQUEST);
    if (opts.async) {
      const delay = opts.settleAfterMs ?? this.#opts.asyncSettleMs;
      if (delay >= 0 && Number.isFinite(delay)) {
        const timer = setTimeout(() => {
          this.#settleTimers.delete(id);
          if (!this.#closed) void this.settle(id, { fail: opts.fail ?? false }).catch(() => {});
        }, delay);
        timer.unref();
        this.#settleTimers.set(id, timer);
      }
    }
    if (opts.waitForDelivery ?? true) await emitted.delivery?.first;
    return {
      outcome: opts.async ? "processing" : "paid",
      session: renderSession(s),
      redirectUrl: s.successUrl,
      event: emitted.event,
    };
  }

  /** Settles an async payment: `checkout.session.async_payment_succeeded` or `_failed`. */
  async settle(
    id: string,
    opts: { fail?: boolean; waitForDelivery?: boolean } = {},
  ): Promise<{ session: StripeObject; event: StripeEventObject }> {
    const s = this.store.session(id);
    const pi = s.paymentIntent ? this.store.paymentIntents.get(s.paymentIntent) : undefined;
    if (s.status !== "complete" || !pi || pi.status !== "processing") {
      throw invalidState(`Checkout Session ${id} has no payment awaiting settlement.`);
    }
    this.#clearTimer(this.#settleTimers, id);
    const charge = pi.latestCharge ? this.store.charges.get(pi.latestCharge) : undefined;
    let emitted: Emitted;
    if (opts.fail) {
      pi.status = "requires_payment_method";
      pi.lastPaymentError = {
        type: "card_error",
        code: "payment_method_provider_decline",
        decline_code: "insufficient_funds",
        message: "The bank declined the debit (sandbox): insufficient funds.",
      };
      if (charge) {
        charge.status = "failed";
        charge.failureCode = "insufficient_funds";
        charge.failureMessage = "The bank declined the debit (sandbox): insufficient funds.";
      }
      s.paymentStatus = "unpaid";
      emitted = this.emit("checkout.session.async_payment_failed", renderSession(s), NO_REQUEST);
    } else {
      pi.status = "succeeded";
      pi.amountReceived = pi.amount;
      if (charge) {
        charge.status = "succeeded";
        charge.balanceTransaction = newId.balanceTransaction();
        this.connect.captured(charge);
      }
      s.paymentStatus = "paid";
      emitted = this.emit("checkout.session.async_payment_succeeded", renderSession(s), NO_REQUEST);
    }
    if (opts.waitForDelivery ?? true) await emitted.delivery?.first;
    return { session: renderSession(s), event: emitted.event };
  }

  /** Expires a session whose expires_at has passed (when autoExpire is on), before it is shown or paid. */
  expireIfDue(s: SessionRecord): void {
    if (this.#opts.autoExpire && s.status === "open" && this.now() >= s.expiresAt) this.expireSession(s.id);
  }

  #scheduleExpiry(s: SessionRecord): void {
    if (!this.#opts.autoExpire || this.#closed) return;
    const delay = Math.max(0, s.expiresAt * 1000 - Date.now());
    const timer = setTimeout(() => {
      this.#expiryTimers.delete(s.id);
      if (!this.#closed && s.status === "open") this.expireSession(s.id);
    }, delay);
    timer.unref();
    this.#expiryTimers.set(s.id, timer);
  }

  #clearTimer(timers: Map<string, NodeJS.Timeout>, id: string): void {
    const t = timers.get(id);
    if (t) clearTimeout(t);
    timers.delete(id);
  }

  // ---- refunds -------------------------------------------------------------------------------

  createRefund(params: FormObject, request: RequestInfo): { refund: RefundRecord; expand: string[] } {
    rejectUnknown(params, REFUND_PARAMS);
    const piParam = optString(params["payment_intent"], "payment_intent");
    const chargeParam = optString(params["charge"], "charge");
    const amountParam = optInt(params["amount"], "amount");
    const reason = optEnum(params["reason"], "reason", ["duplicate", "fraudulent", "requested_by_customer"] as const);
    const meta = metadata(params["metadata"], "metadata");
    const expand = expandList(params["expand"]);
    const reverseTransfer =
      optEnum(params["reverse_transfer"], "reverse_transfer", ["true", "false"] as const) === "true";
    const refundApplicationFee =
      optEnum(params["refund_application_fee"], "refund_application_fee", ["true", "false"] as const) === "true";
    if (amountParam !== null && amountParam < 1) throw invalidParam("Invalid positive integer", "amount");
    if (!piParam && !chargeParam) {
      throw invalidParam("One of the following params should be provided for this request: payment_intent or charge.");
    }
    let charge: ChargeRecord;
    if (chargeParam) {
      charge = this.store.charge(chargeParam, "charge");
      if (piParam && charge.paymentIntent !== piParam) {
        throw invalidParam(`Charge ${chargeParam} does not belong to PaymentIntent ${piParam}.`, "charge");
      }
    } else {
      const pi = this.store.paymentIntent(piParam!, "payment_intent");
      const latest = pi.latestCharge ? this.store.charges.get(pi.latestCharge) : undefined;
      if (latest?.status !== "succeeded") {
        throw invalidState(
          `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
          "charge_not_refundable",
          "payment_intent",
        );
      }
      charge = latest;
    }
    if (charge.status !== "succeeded") {
      throw invalidState(`Charge ${charge.id} has not succeeded and cannot be refunded.`, "charge_not_refundable");
    }
    const remaining = charge.amount - charge.amountRefunded;
    if (remaining <= 0) throw invalidState(`Charge ${charge.id} has already been refunded.`, "charge_already_refunded");
    const amount = amountParam ?? remaining;
    if (amount > remaining) {
      throw invalidState(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`,
        "amount_too_large",
        "amount",
      );
    }
    this.connect.validateRefund(charge, reverseTransfer);
    const before = renderCharge(charge);
    const refund: RefundRecord = {
      id: newId.refund(),
      created: this.now(),
      amount,
      charge: charge.id,
      paymentIntent: charge.paymentIntent,
      currency: charge.currency,
      metadata: meta,
      reason,
      status: "succeeded",
      balanceTransaction: newId.balanceTransaction(),
      transferReversal: null,
    };
    this.store.refunds.set(refund.id, refund);
    charge.amountRefunded += amount;
    charge.refunds.unshift(refund.id);
    this.connect.refunded(charge, refund, { reverseTransfer, refundApplicationFee }, request);
    const after = this.chargeObject(charge);
    // Like the object, previous_attributes leaves the unexpanded refunds list out.
    const previous: StripeObject = { amount_refunded: before["amount_refunded"] };
    if (before["refunded"] !== after["refunded"]) previous["refunded"] = before["refunded"];
    this.emit("charge.refunded", after, request, previous);
    return { refund, expand };
  }

  #refundsOf(charge: ChargeRecord): RefundRecord[] {
    return charge.refunds.map((id) => this.store.refunds.get(id)).filter((r): r is RefundRecord => r !== undefined);
  }

  /** A charge as the API answers it; `refunds` only when expanded. */
  chargeObject(charge: ChargeRecord, expand: string[] = []): StripeObject {
    return this.expand(renderCharge(charge), expand, {
      refunds: () => renderChargeRefunds(charge, this.#refundsOf(charge)),
    });
  }

  // ---- events --------------------------------------------------------------------------------

  /**
   * Raises an event; with `account` it is a Connect event (it carries `account` and goes to the
   * Connect endpoint). Like a Stripe endpoint, each delivers only the types it is enabled for.
   */
  emit(type: string, object: StripeObject, request: RequestInfo, previous?: StripeObject, account?: string): Emitted {
    const deliverer = account ? this.#opts.connectDeliverer : this.#opts.deliverer;
    const enabled: readonly string[] = account ? CONNECT_ENABLED_EVENTS : ENABLED_EVENTS;
    const deliverable = Boolean(deliverer.url) && enabled.includes(type);
    const event = renderEvent({
      // Since 2025-04-30 Connect events carry the account in `context` as well as in `account`.
      ...(account ? { account, context: account } : {}),
      id: newId.event(),
      api_version: this.#opts.apiVersion,
      created: this.now(),
      data: previous ? { object, previous_attributes: previous } : { object },
      pending_webhooks: deliverable ? 1 : 0,
      request: { id: request.id, idempotency_key: request.idempotencyKey },
      type,
    });
    this.store.events.set(event.id, event);
    const delivery = deliverable && !this.#closed ? deliverer.send(event) : null;
    if (delivery) {
      this.#deliveries.set(event.id, delivery);
      void delivery.done.finally(() => this.#deliveries.delete(event.id));
    }
    return { event, delivery };
  }

  // ---- rendering with expand ------------------------------------------------------------------

  /** Renders any object the fake knows by its id prefix. */
  objectById(id: string): StripeObject | undefined {
    if (id.startsWith("cs_")) {
      const s = this.store.sessions.get(id);
      return s && renderSession(s);
    }
    if (id.startsWith("pi_")) {
      const pi = this.store.paymentIntents.get(id);
      return pi && renderPaymentIntent(pi);
    }
    if (id.startsWith("ch_")) {
      const ch = this.store.charges.get(id);
      return ch && renderCharge(ch);
    }
    if (id.startsWith("re_")) {
      const re = this.store.refunds.get(id);
      return re && renderRefund(re);
    }
    if (id.startsWith("tr_")) {
      const tr = this.store.transfers.get(id);
      return tr && this.connect.transferObject(tr);
    }
    if (id.startsWith("fee_")) {
      return this.store.applicationFees.has(id) ? this.connect.applicationFeeObject(id) : undefined;
    }
    if (id.startsWith("acct_")) {
      const a = this.store.accounts.get(id);
      return a && !a.deleted && !a.deauthorized ? this.connect.accountObject(a) : undefined;
    }
    return undefined;
  }

  sessionObject(s: SessionRecord, expand: string[] = []): StripeObject {
    return this.expand(renderSession(s), expand, { line_items: () => renderLineItems(s) });
  }

  /** Applies `expand[]` paths such as `payment_intent` or `payment_intent.latest_charge`. */
  expand(obj: StripeObject, paths: string[], extra: Record<string, () => unknown> = {}): StripeObject {
    for (const path of paths) {
      let target: StripeObject = obj;
      const parts = path.split(".");
      for (let i = 0; i < parts.length; i++) {
        const key = parts[i]!;
        const make = i === 0 ? extra[key] : undefined;
        let value: unknown;
        if (make) {
          value = make();
        } else {
          if (!Object.hasOwn(target, key)) throw cannotExpand(path);
          value = target[key];
          if (typeof value === "string") {
            const expanded = this.objectById(value);
            if (!expanded) throw cannotExpand(path);
            value = expanded;
          } else if (value !== null && (typeof value !== "object" || Array.isArray(value))) {
            throw cannotExpand(path);
          }
        }
        target[key] = value;
        if (value === null) break;
        target = value as StripeObject;
      }
    }
    return obj;
  }

  /** Resolves after the first delivery attempt of an event raised here (at once if none was made). */
  async firstDelivery(eventId: string): Promise<void> {
    await this.#deliveries.get(eventId)?.first;
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#expiryTimers.values()) clearTimeout(t);
    for (const t of this.#settleTimers.values()) clearTimeout(t);
    this.#expiryTimers.clear();
    this.#settleTimers.clear();
  }
}

function cannotExpand(path: string): ApiError {
  return invalidParam(`This property cannot be expanded (${path}).`, "expand");
}
