// Stripe Connect in the fake: connected accounts (v1, `type` or `controller` properties), single-use
// Account Links to a hosted onboarding page, destination charges (transfer to the connected
// account, application fee back to the platform), their reversal on refund, and the Connect events
// (`account.updated`, `account.application.deauthorized`, `payout.failed`) that carry `account`.
import type { Ledger } from "./balances.js";
import {
  capabilityStatus,
  renderAccountLink,
  renderApplication,
  renderApplicationFee,
  renderBalance,
  renderConnectedAccount,
  renderDeletedAccount,
  renderFeeRefund,
  renderPayout,
  renderTransfer,
  renderTransferReversal,
} from "./connect-objects.js";
import { accountInvalid, invalidParam, invalidState, missingParam, resourceMissing } from "./errors.js";
import type { FormObject } from "./form.js";
import { newId } from "./ids.js";
import { ordered, renderList, type StripeObject } from "./objects.js";
import {
  email,
  expandList,
  isObject,
  metadata,
  optEnum,
  optInt,
  optObject,
  optString,
  rejectUnknown,
  reqString,
  url,
} from "./params.js";
import type {
  AccountLinkRecord,
  AccountRecord,
  ApplicationFeeRecord,
  ChargeRecord,
  FeeRefundRecord,
  PaymentIntentData,
  RefundRecord,
  Store,
  TransferRecord,
  TransferReversalRecord,
} from "./store.js";

/** What the sandbox's Express Dashboard page shows. */
export interface ExpressView {
  account: AccountRecord;
  available: Record<string, number>;
  /** Payments received by transfer, newest first, with the fee taken and what was given back. */
  payments: {
    id: string;
    created: number;
    currency: string;
    amount: number;
    fee: number;
    reversed: number;
    feeRefunded: number;
  }[];
}

/** How the hosted onboarding (or a test) ends: the three outcomes the sandbox's page offers. */
export type OnboardingOutcome = "complete" | "incomplete" | "restricted";
export const ONBOARDING_OUTCOMES: readonly OnboardingOutcome[] = ["complete", "incomplete", "restricted"];

/** Stripe's `requirements.disabled_reason` values (API 2025-10-29.clover). */
export const DISABLED_REASONS = [
  "action_required.requested_capabilities",
  "listed",
  "other",
  "platform_paused",
  "rejected.fraud",
  "rejected.incomplete_verification",
  "rejected.listed",
  "rejected.other",
  "rejected.platform_fraud",
  "rejected.platform_other",
  "rejected.platform_terms_of_service",
  "rejected.terms_of_service",
  "requirements.past_due",
  "requirements.pending_verification",
  "under_review",
] as const;
export type DisabledReason = (typeof DISABLED_REASONS)[number];

/** Account links expire after five minutes, as Stripe's do ("a few minutes"). */
export const ACCOUNT_LINK_TTL_SECONDS = 300;

/** What Stripe asks a new US account for before it can receive transfers. */
const ONBOARDING_REQUIREMENTS = [
  "business_profile.mcc",
  "business_profile.url",
  "business_type",
  "external_account",
  "individual.dob.day",
  "individual.dob.month",
  "individual.dob.year",
  "individual.email",
  "individual.first_name",
  "individual.last_name",
  "individual.phone",
  "tos_acceptance.date",
  "tos_acceptance.ip",
];
/** Left when the person leaves the hosted onboarding before the end. */
const LEFT_INCOMPLETE = ["external_account", "tos_acceptance.date", "tos_acceptance.ip"];
/** Asked again when an account is restricted for past-due requirements. */
const RESTRICTED_DUE = ["individual.verification.document"];

const ACCOUNT_PARAMS = new Set([
  "account_token",
  "business_profile",
  "business_type",
  "capabilities",
  "company",
  "controller",
  "country",
  "default_currency",
  "documents",
  "email",
  "expand",
  "external_account",
  "groups",
  "individual",
  "metadata",
  "settings",
  "tos_acceptance",
  "type",
]);
const CONTROLLER_PARAMS = new Set(["fees", "losses", "requirement_collection", "stripe_dashboard"]);
const ACCOUNT_LINK_PARAMS = new Set([
  "account",
  "collect",
  "collection_options",
  "expand",
  "refresh_url",
  "return_url",
  "type",
]);
/** Capabilities the sandbox models; others are accepted by Stripe but not by this fake. */
const CAPABILITIES = new Set(["card_payments", "transfers"]);
/** Countries the sandbox lets accounts be created in (a sample of Stripe's), with their currency. */
const COUNTRIES: Record<string, string> = {
  AT: "eur",
  AU: "aud",
  BE: "eur",
  CA: "cad",
  CH: "chf",
  DE: "eur",
  DK: "dkk",
  ES: "eur",
  FI: "eur",
  FR: "eur",
  GB: "gbp",
  IE: "eur",
  IT: "eur",
  JP: "jpy",
  NL: "eur",
  NO: "nok",
  NZ: "nzd",
  PL: "pln",
  PT: "eur",
  SE: "sek",
  SG: "sgd",
  US: "usd",
};

export type EmitFn = (
  type: string,
  object: StripeObject,
  request: { id: string | null; idempotencyKey: string | null },
  previous?: StripeObject,
  account?: string,
) => { event: { id: string } };

export interface ConnectOptions {
  store: Store;
  ledger: Ledger;
  emit: EmitFn;
  now: () => number;
  secretKey: string;
  /** The platform's Connect application (ca_…), named by application fees and deauthorization. */
  application: string;
  applicationName: string;
  platformCountry: string;
  /** Base URL of the hosted pages as the browser sees it. */
  pageBase: () => string;
}

type RequestLike = { id: string | null; idempotencyKey: string | null };
const NO_REQUEST: RequestLike = { id: null, idempotencyKey: null };

type Controller = AccountRecord["controller"];

export class Connect {
  readonly #o: ConnectOptions;

  constructor(opts: ConnectOptions) {
    this.#o = opts;
  }

  get #store(): Store {
    return this.#o.store;
  }

  // ---- accounts ------------------------------------------------------------------------------

  /** An account the platform can reach, or 403 account_invalid as Stripe answers. */
  reachable(id: string): AccountRecord {
    const a = this.#store.accounts.get(id);
    if (!a || a.deleted || a.deauthorized) throw accountInvalid(this.#o.secretKey, id);
    return a;
  }

  accountObject(a: AccountRecord): StripeObject {
    return renderConnectedAccount(a, a.tosAcceptedAt);
  }

  createAccount(p: FormObject): { account: AccountRecord; expand: string[] } {
    rejectUnknown(p, ACCOUNT_PARAMS);
    const type = optEnum(p["type"], "type", ["custom", "express", "standard"] as const);
    const controllerIn = optObject(p["controller"], "controller");
    if (type && controllerIn) {
      throw invalidParam("You cannot specify both `type` and `controller`; use one of them.", "controller");
    }
    let controller: Controller;
    let accountType: AccountRecord["type"];
    if (controllerIn) {
      controller = parseController(controllerIn);
      accountType = typeOf(controller);
    } else {
      accountType = type ?? "standard";
      controller = controllerOf(accountType);
    }
    const countryIn = optString(p["country"], "country");
    const country = (countryIn ?? this.#o.platformCountry).toUpperCase();
    if (!COUNTRIES[country]) {
      throw invalidParam(
        `Country '${countryIn}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'. A full list of country codes is available at https://stripe.com/global`,
        "country",
      );
    }
    const requested = parseCapabilities(p["capabilities"]);
    // Accounts with the full Stripe Dashboard (Standard) get card payments and transfers by default.
    const capabilities =
      requested.length === 0 && controller.dashboard === "full" ? ["card_payments", "transfers"] : requested;
    if (controller.dashboard !== "full" && !capabilities.includes("transfers")) {
      // Accounts without the full Stripe Dashboard are paid by transfer; Stripe requires the capability.
      throw invalidParam(
        "Accounts with `controller[stripe_dashboard][type]` set to `express` or `none` must request the `transfers` capability.",
        "capabilities",
      );
    }
    const businessProfile = optObject(p["business_profile"], "business_profile") ?? {};
    const currencyIn = optString(p["default_currency"], "default_currency")?.toLowerCase() ?? null;
    if (currencyIn !== null && !/^[a-z]{3}$/.test(currencyIn)) {
      throw invalidParam(`Invalid currency: ${currencyIn}`, "default_currency");
    }
    const defaultCurrency = currencyIn ?? COUNTRIES[country]!;
    const a: AccountRecord = {
      id: newId.account(),
      created: this.#o.now(),
      type: accountType,
      controller,
      country,
      email: email(p["email"], "email"),
      defaultCurrency,
      businessType: optEnum(p["business_type"], "business_type", [
        "company",
        "government_entity",
        "individual",
        "non_profit",
      ] as const),
      businessName: optString(businessProfile["name"], "business_profile[name]"),
      businessUrl: url(businessProfile["url"], "business_profile[url]", false),
      metadata: metadata(p["metadata"], "metadata"),
      capabilities,
      state: "new",
      detailsSubmitted: false,
      disabledReason: "requirements.past_due",
      currentlyDue: [...ONBOARDING_REQUIREMENTS],
      pastDue: [...ONBOARDING_REQUIREMENTS],
      deauthorized: false,
      deleted: false,
      tosAcceptedAt: null,
    };
    this.#store.accounts.set(a.id, a);
    this.#o.ledger.open(a.id);
    return { account: a, expand: expandList(p["expand"]) };
  }

  /**
   * POST /v1/accounts/{id}: what the platform may change here (email, business profile name and
   * url, metadata, more capabilities); `type`, `controller` and `country` are fixed at creation.
   */
  updateAccount(id: string, p: FormObject): { account: StripeObject; expand: string[] } {
    for (const fixed of ["type", "controller", "country"]) {
      if (p[fixed] !== undefined) throw invalidParam(`Received unknown parameter: ${fixed}`, fixed);
    }
    rejectUnknown(p, ACCOUNT_PARAMS);
    const a = this.reachable(id);
    const mail = p["email"] !== undefined ? email(p["email"], "email") : undefined;
    const profile = optObject(p["business_profile"], "business_profile");
    const name =
      profile && profile["name"] !== undefined ? optString(profile["name"], "business_profile[name]") : undefined;
    const site =
      profile && profile["url"] !== undefined ? optString(profile["url"], "business_profile[url]") : undefined;
    const meta = p["metadata"] !== undefined ? optObject(p["metadata"], "metadata") : null;
    const updates = meta ? metadataUpdates(meta) : null;
    const capabilities = parseCapabilities(p["capabilities"]);
    const expand = expandList(p["expand"]);
    const account = this.#update(a.id, (acc) => {
      if (mail !== undefined) acc.email = mail;
      if (name !== undefined) acc.businessName = name;
      if (site !== undefined) acc.businessUrl = site;
      if (updates) {
        for (const [k, v] of Object.entries(updates)) {
          if (v === null) delete acc.metadata[k];
          else acc.metadata[k] = v;
        }
      }
      for (const c of capabilities) if (!acc.capabilities.includes(c)) acc.capabilities.push(c);
      acc.capabilities.sort();
    });
    return { account, expand };
  }

  /** POST /v1/accounts/{id}/reject: the platform rejects the account (`rejected.{reason}`). */
  rejectAccount(id: string, p: FormObject): StripeObject {
    rejectUnknown(p, new Set(["expand", "reason"]));
    const reason = optEnum(p["reason"], "reason", ["fraud", "other", "terms_of_service"] as const);
    if (!reason) throw missingParam("reason");
    return this.#update(id, (a) => setRestricted(a, `rejected.${reason}`));
  }

  /** Test-mode accounts can be deleted at any time (Stripe: live ones only once balances are zero). */
  deleteAccount(id: string): StripeObject {
    const a = this.reachable(id);
    a.deleted = true;
    return renderDeletedAccount(a.id);
  }

  listAccounts(p: FormObject): StripeObject {
    const limit = listLimit(p);
    const all = [...this.#store.accounts.values()].filter((a) => !a.deleted && !a.deauthorized).reverse();
    return renderList(
      "/v1/accounts",
      all.slice(0, limit).map((a) => this.accountObject(a)),
      all.length > limit,
    );
  }

  // ---- account links and the hosted onboarding ------------------------------------------------

  createAccountLink(p: FormObject): StripeObject {
    rejectUnknown(p, ACCOUNT_LINK_PARAMS);
    const accountId = reqString(p["account"], "account");
    const type = optEnum(p["type"], "type", ["account_onboarding", "account_update"] as const);
    if (!type) throw missingParam("type");
    optEnum(p["collect"], "collect", ["currently_due", "eventually_due"] as const);
    if (p["collection_options"] !== undefined && !isObject(p["collection_options"])) {
      throw invalidParam("Invalid object", "collection_options");
    }
    const refreshUrl = url(p["refresh_url"], "refresh_url", true)!;
    const returnUrl = url(p["return_url"], "return_url", true)!;
    const a = this.#store.accounts.get(accountId);
    if (!a || a.deleted || a.deauthorized) throw resourceMissing("account", accountId, { body: "account" });
    if (type === "account_update" && a.controller.requirementCollection === "stripe") {
      throw invalidParam(
        "You cannot create `account_update` type Account Links for accounts where Stripe collects requirements; use `account_onboarding`.",
        "type",
      );
    }
    const token = newId.accountLinkToken();
    const created = this.#o.now();
    const kind = a.type === "standard" ? "s" : a.type === "custom" ? "c" : "e";
    const link: AccountLinkRecord = {
      token,
      account: a.id,
      type,
      created,
      expiresAt: created + ACCOUNT_LINK_TTL_SECONDS,
      refreshUrl,
      returnUrl,
      url: `${this.#o.pageBase().replace(/\/$/, "")}/setup/${kind}/${a.id}/${token}`,
      state: "fresh",
    };
    this.#store.accountLinks.set(token, link);
    return renderAccountLink(link);
  }

  /**
   * A browser opened a link: a fresh one shows the onboarding page (and is used up); an expired,
   * already visited or unreachable one sends the browser to refresh_url, as Stripe does.
   */
  visitLink(
    token: string,
  ): { page: { link: AccountLinkRecord; account: AccountRecord } } | { redirect: string } | null {
    const link = this.#store.accountLinks.get(token);
    if (!link) return null;
    const a = this.#store.accounts.get(link.account);
    if (link.state !== "fresh" || this.#o.now() >= link.expiresAt || !a || a.deleted || a.deauthorized) {
      return { redirect: link.refreshUrl };
    }
    link.state = "visited";
    return { page: { link, account: a } };
  }

  /** The onboarding form was submitted: apply the outcome once and send the browser to return_url. */
  submitLink(token: string, outcome: OnboardingOutcome): { redirect: string } | null {
    const link = this.#store.accountLinks.get(token);
    if (!link) return null;
    const a = this.#store.accounts.get(link.account);
    if (link.state !== "visited" || !a || a.deleted || a.deauthorized) return { redirect: link.refreshUrl };
    link.state = "submitted";
    this.onboard(a.id, outcome);
    return { redirect: link.returnUrl };
  }

  /** What finishing the hosted onboarding with `outcome` does to the account (and its account.updated). */
  onboard(id: string, outcome: OnboardingOutcome): StripeObject {
    return this.#update(id, (a) => {
      if (outcome === "complete") {
        setEnabled(a);
        a.tosAcceptedAt ??= this.#o.now();
      } else if (outcome === "incomplete") {
        a.state = a.state === "enabled" ? "enabled" : "incomplete";
        if (a.state === "incomplete") {
          a.detailsSubmitted = false;
          a.disabledReason = "requirements.past_due";
          a.currentlyDue = [...LEFT_INCOMPLETE];
          a.pastDue = [...LEFT_INCOMPLETE];
        }
      } else {
        a.tosAcceptedAt ??= this.#o.now();
        setRestricted(a, "requirements.past_due");
      }
    });
  }

  restrict(id: string, reason: DisabledReason = "requirements.past_due"): StripeObject {
    if (!(DISABLED_REASONS as readonly string[]).includes(reason)) {
      throw new Error(`restrictAccount: unknown disabled_reason ${reason}; use one of ${DISABLED_REASONS.join(", ")}`);
    }
    return this.#update(id, (a) => {
      a.tosAcceptedAt ??= this.#o.now();
      setRestricted(a, reason);
    });
  }

  enable(id: string): StripeObject {
    return this.#update(id, (a) => {
      setEnabled(a);
      a.tosAcceptedAt ??= this.#o.now();
    });
  }

  /** The account disconnected the platform: account.application.deauthorized, then no more access. */
  deauthorize(id: string): { id: string } {
    const a = this.reachable(id);
    a.deauthorized = true;
    return this.#o.emit(
      "account.application.deauthorized",
      renderApplication(this.#o.application, this.#o.applicationName),
      NO_REQUEST,
      undefined,
      a.id,
    ).event;
  }

  /**
   * A payout of the account's available balance (or `amount`) that the bank returned: the money
   * comes back to the account's balance and payout.failed is sent.
   */
  failPayout(
    id: string,
    opts: { amount?: number; currency?: string; failureCode?: string; failureMessage?: string } = {},
  ): StripeObject {
    const a = this.reachable(id);
    const currency = opts.currency ?? a.defaultCurrency;
    const amount = opts.amount ?? Math.max(0, this.#o.ledger.available(a.id)[currency] ?? 0);
    const po = {
      id: newId.payout(),
      created: this.#o.now(),
      account: a.id,
      amount,
      currency,
      status: "failed" as const,
      failureCode: opts.failureCode ?? "account_closed",
      failureMessage: opts.failureMessage ?? "The bank account has been closed.",
      balanceTransaction: newId.balanceTransaction(),
      failureBalanceTransaction: newId.balanceTransaction(),
    };
    this.#store.payouts.set(po.id, po);
    const object = renderPayout(po);
    this.#o.emit("payout.failed", object, NO_REQUEST, undefined, a.id);
    return object;
  }

  #update(id: string, change: (a: AccountRecord) => void): StripeObject {
    const a = this.reachable(id);
    const before = this.accountObject(a);
    change(a);
    const after = this.accountObject(a);
    const previous: StripeObject = {};
    for (const key of Object.keys(after)) {
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
    }
    if (Object.keys(previous).length > 0) this.#o.emit("account.updated", after, NO_REQUEST, previous, a.id);
    return after;
  }

  // ---- the Express Dashboard ---------------------------------------------------------------------

  /** POST /v1/accounts/{id}/login_links: a single-use link into the account's Express Dashboard. */
  createLoginLink(id: string, p: FormObject): StripeObject {
    rejectUnknown(p, new Set(["expand"]));
    const a = this.reachable(id);
    if (a.controller.dashboard !== "express") {
      throw invalidParam(
        "Login links can only be created for connected accounts that use the Express Dashboard.",
        "account",
      );
    }
    if (!a.detailsSubmitted) {
      throw invalidParam("Cannot create a login link for an account that has not completed onboarding.", "account");
    }
    const token = newId.accountLinkToken();
    const link = {
      token,
      account: a.id,
      created: this.#o.now(),
      url: `${this.#o.pageBase().replace(/\/$/, "")}/express/${a.id}/${token}`,
      used: false,
    };
    this.#store.loginLinks.set(token, link);
    return ordered({ object: "login_link", created: link.created, url: link.url });
  }

  /** Opens a login link once: what the account's Express Dashboard shows (its balance and payments). */
  openLoginLink(token: string): ExpressView | "used" | null {
    const link = this.#store.loginLinks.get(token);
    if (!link) return null;
    const a = this.#store.accounts.get(link.account);
    if (link.used || !a || a.deleted || a.deauthorized) return "used";
    link.used = true;
    return this.expressView(a.id);
  }

  /** The numbers the sandbox's Express Dashboard shows for an account. */
  expressView(id: string): ExpressView {
    const a = this.reachable(id);
    const payments = [...this.#store.transfers.values()]
      .filter((tr) => tr.destination === a.id)
      .reverse()
      .map((tr) => {
        const fee = [...this.#store.applicationFees.values()].find((f) => f.charge === tr.destinationPayment);
        return {
          id: tr.destinationPayment,
          created: tr.created,
          currency: tr.currency,
          amount: tr.amount,
          fee: fee?.amount ?? 0,
          reversed: tr.amountReversed,
          feeRefunded: fee?.amountRefunded ?? 0,
        };
      });
    return { account: a, available: this.#o.ledger.available(a.id), payments };
  }

  // ---- destination charges ------------------------------------------------------------------

  /** Checks `payment_intent_data`'s Connect parameters when a Checkout Session is created. */
  validateDestination(pid: PaymentIntentData, amountTotal: number): void {
    const feeParam = "payment_intent_data[application_fee_amount]";
    const destParam = "payment_intent_data[transfer_data][destination]";
    if (pid.applicationFeeAmount !== null && !pid.destination) {
      throw invalidParam(
        "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).",
        feeParam,
      );
    }
    if (pid.onBehalfOf !== null) {
      const obo = this.#store.accounts.get(pid.onBehalfOf);
      if (!obo || obo.deleted || obo.deauthorized) {
        throw resourceMissing("account", pid.onBehalfOf, { body: "payment_intent_data[on_behalf_of]" });
      }
      if (pid.destination && pid.destination !== pid.onBehalfOf) {
        throw invalidParam(
          "The `on_behalf_of` parameter must be the same account as `transfer_data[destination]`.",
          "payment_intent_data[on_behalf_of]",
        );
      }
    }
    if (!pid.destination) return;
    const a = this.#store.accounts.get(pid.destination);
    if (!a || a.deleted || a.deauthorized) {
      const err = invalidParam(`No such destination: '${pid.destination}'`, destParam, "resource_missing");
      throw err;
    }
    this.#requireTransfers(a, destParam);
    if (pid.applicationFeeAmount !== null && pid.transferAmount !== null) {
      throw invalidParam(
        "You may only specify one of these parameters: application_fee_amount, transfer_data[amount].",
        feeParam,
      );
    }
    if (pid.applicationFeeAmount !== null && pid.applicationFeeAmount > amountTotal) {
      throw invalidParam(
        `The application fee amount (${pid.applicationFeeAmount}) cannot be greater than the total amount of the Checkout Session (${amountTotal}).`,
        feeParam,
      );
    }
    if (pid.transferAmount !== null && pid.transferAmount > amountTotal) {
      throw invalidParam(
        `The transfer amount (${pid.transferAmount}) cannot be greater than the total amount of the Checkout Session (${amountTotal}).`,
        "payment_intent_data[transfer_data][amount]",
      );
    }
    if (!pid.onBehalfOf && a.country !== this.#o.platformCountry) {
      throw invalidParam(
        `Cannot create a destination charge for connected accounts in ${a.country} because funds would be settled on the platform and the connected account is outside the platform's region. You may use the \`on_behalf_of\` parameter to have the charge settle in the connected account's country.`,
        destParam,
      );
    }
  }

  /** At payment: the destination must still be able to receive transfers, or the payment fails. */
  checkDestinationAtPayment(destination: string | null): void {
    if (!destination) return;
    const a = this.#store.accounts.get(destination);
    if (!a || a.deleted || a.deauthorized) {
      throw invalidState(`No such destination: '${destination}'`, "resource_missing");
    }
    this.#requireTransfers(a, "transfer_data[destination]");
  }

  #requireTransfers(a: AccountRecord, param: string): void {
    if (!a.capabilities.includes("transfers") || capabilityStatus(a) !== "active") {
      throw invalidParam(
        "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
        param,
        "insufficient_capabilities_for_transfer",
      );
    }
  }

  /**
   * A charge succeeded on the platform. For a destination charge Stripe transfers the whole amount
   * (or transfer_data[amount]) to the connected account and takes the application fee back from it.
   */
  captured(ch: ChargeRecord): void {
    const ledger = this.#o.ledger;
    ledger.capture(ch.currency, ch.amount);
    if (!ch.destination) return;
    const now = this.#o.now();
    const tr: TransferRecord = {
      id: newId.transfer(),
      created: now,
      amount: ch.transferAmount ?? ch.amount,
      amountReversed: 0,
      currency: ch.currency,
      destination: ch.destination,
      destinationPayment: newId.destinationPayment(),
      sourceTransaction: ch.id,
      transferGroup: ch.transferGroup,
      balanceTransaction: newId.balanceTransaction(),
      reversals: [],
      metadata: {},
    };
    this.#store.transfers.set(tr.id, tr);
    ch.transfer = tr.id;
    ledger.transfer(tr.destination, tr.currency, tr.amount);
    this.#o.emit("transfer.created", this.transferObject(tr), NO_REQUEST);
    if (ch.applicationFeeAmount !== null && ch.applicationFeeAmount > 0) {
      const fee = {
        id: newId.applicationFee(),
        created: now,
        account: ch.destination,
        amount: ch.applicationFeeAmount,
        amountRefunded: 0,
        currency: ch.currency,
        charge: tr.destinationPayment,
        originatingTransaction: ch.id,
        balanceTransaction: newId.balanceTransaction(),
        refunds: [],
      };
      this.#store.applicationFees.set(fee.id, fee);
      ch.applicationFee = fee.id;
      ledger.collectFee(fee.account, fee.currency, fee.amount);
      this.#o.emit("application_fee.created", this.applicationFeeObject(fee.id), NO_REQUEST);
    }
  }

  /**
   * Checks a refund's `reverse_transfer` against the charge. `refund_application_fee` on a charge
   * without a fee (a zero-fee destination charge) has nothing to return and is ignored.
   */
  validateRefund(ch: ChargeRecord, reverseTransfer: boolean): void {
    if (reverseTransfer && !ch.transfer) {
      throw invalidParam(
        `Charge ${ch.id} has no transfer to reverse: \`reverse_transfer\` applies only to destination charges.`,
        "reverse_transfer",
      );
    }
  }

  /**
   * A refund of `refund.amount` on the platform's charge: the customer gets it from the platform;
   * with reverse_transfer the connected account gives back its share in proportion, with
   * refund_application_fee the platform returns its fee in proportion. A refund that completes the
   * charge's refund takes back exactly what is left, so rounding never strands a unit.
   */
  refunded(
    ch: ChargeRecord,
    refund: RefundRecord,
    opts: { reverseTransfer: boolean; refundApplicationFee: boolean },
    request: RequestLike,
  ): void {
    this.#o.ledger.refund(ch.currency, refund.amount);
    const full = ch.amountRefunded >= ch.amount;
    const share = (total: number, left: number) =>
      Math.min(left, full ? left : Math.round((total * refund.amount) / ch.amount));
    if (opts.reverseTransfer && ch.transfer) {
      const tr = this.#store.transfer(ch.transfer);
      const reversal = this.#reverse(tr, share(tr.amount, tr.amount - tr.amountReversed), refund.id, {}, request);
      if (reversal) refund.transferReversal = reversal.id;
    }
    if (opts.refundApplicationFee && ch.applicationFee) {
      const fee = this.#store.applicationFee(ch.applicationFee);
      this.#refundFee(fee, share(fee.amount, fee.amount - fee.amountRefunded), {}, request);
    }
  }

  /** POST /v1/transfers/{id}/reversals: takes back (part of) a transfer, the customer keeps their money. */
  createTransferReversal(id: string, p: FormObject, request: RequestLike): StripeObject {
    rejectUnknown(p, new Set(["amount", "description", "expand", "metadata", "refund_application_fee"]));
    const tr = this.#store.transfer(id);
    const left = tr.amount - tr.amountReversed;
    const amount = optInt(p["amount"], "amount") ?? left;
    const meta = metadata(p["metadata"], "metadata");
    const refundFee =
      optEnum(p["refund_application_fee"], "refund_application_fee", ["true", "false"] as const) === "true";
    if (amount < 1) throw invalidParam("Invalid positive integer", "amount");
    if (left <= 0) throw invalidState(`Transfer ${tr.id} has already been fully reversed.`, undefined, "amount");
    if (amount > left) {
      throw invalidState(
        `Reversal amount (${amount}) is greater than the amount that can be reversed on this transfer (${left}).`,
        undefined,
        "amount",
      );
    }
    const reversal = this.#reverse(tr, amount, null, meta, request)!;
    if (refundFee) {
      const fee = [...this.#store.applicationFees.values()].find((f) => f.charge === tr.destinationPayment);
      if (fee) {
        const feeLeft = fee.amount - fee.amountRefunded;
        const share = tr.amountReversed >= tr.amount ? feeLeft : Math.round((fee.amount * amount) / tr.amount);
        this.#refundFee(fee, Math.min(feeLeft, share), {}, request);
      }
    }
    return renderTransferReversal(reversal);
  }

  /** POST /v1/application_fees/{id}/refunds: returns (part of) the fee to the connected account. */
  createFeeRefund(id: string, p: FormObject, request: RequestLike): StripeObject {
    rejectUnknown(p, new Set(["amount", "expand", "metadata"]));
    const fee = this.#store.applicationFee(id);
    const left = fee.amount - fee.amountRefunded;
    const amount = optInt(p["amount"], "amount") ?? left;
    const meta = metadata(p["metadata"], "metadata");
    if (amount < 1) throw invalidParam("Invalid positive integer", "amount");
    if (left <= 0) throw invalidState(`Application fee ${fee.id} has already been refunded.`, undefined, "amount");
    if (amount > left) {
      throw invalidState(
        `Refund amount (${amount}) is greater than unrefunded amount on fee (${left}).`,
        undefined,
        "amount",
      );
    }
    return renderFeeRefund(this.#refundFee(fee, amount, meta, request)!);
  }

  #reverse(
    tr: TransferRecord,
    amount: number,
    sourceRefund: string | null,
    meta: Record<string, string>,
    request: RequestLike,
  ): TransferReversalRecord | null {
    if (amount <= 0) return null;
    const trr: TransferReversalRecord = {
      id: newId.transferReversal(),
      created: this.#o.now(),
      amount,
      currency: tr.currency,
      transfer: tr.id,
      sourceRefund,
      destinationPaymentRefund: newId.destinationPaymentRefund(),
      balanceTransaction: newId.balanceTransaction(),
      metadata: meta,
    };
    this.#store.transferReversals.set(trr.id, trr);
    tr.reversals.unshift(trr.id);
    tr.amountReversed += amount;
    this.#o.ledger.reverse(tr.destination, tr.currency, amount);
    this.#o.emit("transfer.reversed", this.transferObject(tr), request, {
      amount_reversed: tr.amountReversed - amount,
    });
    return trr;
  }

  #refundFee(
    fee: ApplicationFeeRecord,
    amount: number,
    meta: Record<string, string>,
    request: RequestLike,
  ): FeeRefundRecord | null {
    if (amount <= 0) return null;
    const fr: FeeRefundRecord = {
      id: newId.feeRefund(),
      created: this.#o.now(),
      amount,
      currency: fee.currency,
      fee: fee.id,
      balanceTransaction: newId.balanceTransaction(),
      metadata: meta,
    };
    this.#store.feeRefunds.set(fr.id, fr);
    fee.refunds.unshift(fr.id);
    fee.amountRefunded += amount;
    this.#o.ledger.refundFee(fee.account, fee.currency, amount);
    this.#o.emit("application_fee.refunded", this.applicationFeeObject(fee.id), request);
    return fr;
  }

  // ---- reading -----------------------------------------------------------------------------------

  transferObject(tr: TransferRecord): StripeObject {
    const reversals = tr.reversals.map((id) => this.#store.transferReversals.get(id)).filter((r) => r !== undefined);
    return renderTransfer(tr, reversals);
  }

  applicationFeeObject(id: string): StripeObject {
    const fee = this.#store.applicationFee(id);
    const refunds = fee.refunds.map((r) => this.#store.feeRefunds.get(r)).filter((r) => r !== undefined);
    return renderApplicationFee(fee, refunds, this.#o.application);
  }

  listApplicationFees(p: FormObject): StripeObject {
    const limit = listLimit(p);
    const charge = optString(p["charge"], "charge");
    const all = [...this.#store.applicationFees.values()]
      .reverse()
      .filter((f) => !charge || f.originatingTransaction === charge || f.charge === charge);
    return renderList(
      "/v1/application_fees",
      all.slice(0, limit).map((f) => this.applicationFeeObject(f.id)),
      all.length > limit,
    );
  }

  listTransfers(p: FormObject): StripeObject {
    const limit = listLimit(p);
    const destination = optString(p["destination"], "destination");
    const group = optString(p["transfer_group"], "transfer_group");
    const all = [...this.#store.transfers.values()]
      .reverse()
      .filter((t) => (!destination || t.destination === destination) && (!group || t.transferGroup === group));
    return renderList(
      "/v1/transfers",
      all.slice(0, limit).map((t) => this.transferObject(t)),
      all.length > limit,
    );
  }

  /** GET /v1/balance for the platform (`account` null) or, with Stripe-Account, a connected account. */
  balanceObject(account: string | null): StripeObject {
    if (account === null) {
      return renderBalance(this.#o.ledger.available(null), COUNTRIES[this.#o.platformCountry] ?? "usd");
    }
    const a = this.reachable(account);
    return renderBalance(this.#o.ledger.available(a.id), a.defaultCurrency);
  }

  payoutObject(id: string, account: string): StripeObject {
    return renderPayout(this.#store.payout(id, account));
  }
}

/** Metadata keys to set, or to unset (an empty value), with Stripe's limits. */
function metadataUpdates(obj: FormObject): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const kept = metadata(obj, "metadata");
  for (const key of Object.keys(obj)) out[key] = kept[key] ?? null;
  return out;
}

function listLimit(p: FormObject): number {
  const limit = optInt(p["limit"], "limit") ?? 10;
  if (limit < 1 || limit > 100) throw invalidParam("limit must be between 1 and 100", "limit");
  return limit;
}

function setEnabled(a: AccountRecord): void {
  a.state = "enabled";
  a.detailsSubmitted = true;
  a.disabledReason = null;
  a.currentlyDue = [];
  a.pastDue = [];
}

function setRestricted(a: AccountRecord, reason: DisabledReason): void {
  a.state = "restricted";
  a.detailsSubmitted = true;
  a.disabledReason = reason;
  const due = reason === "requirements.past_due" ? [...RESTRICTED_DUE] : [];
  a.currentlyDue = due;
  a.pastDue = due;
}

function parseCapabilities(v: FormObject[string] | undefined): string[] {
  const caps = optObject(v, "capabilities");
  if (!caps) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(caps)) {
    const param = `capabilities[${name}]`;
    if (!isObject(value)) throw invalidParam("Invalid object", param);
    rejectUnknown(value, new Set(["requested"]), param);
    const requested = optEnum(value["requested"], `${param}[requested]`, ["true", "false"] as const);
    if (!CAPABILITIES.has(name)) {
      throw invalidParam(
        `The sandbox's fake Stripe supports only the card_payments and transfers capabilities, not ${name}.`,
        param,
      );
    }
    if (requested === "true") out.push(name);
  }
  return out.sort();
}

function parseController(c: FormObject): Controller {
  rejectUnknown(c, CONTROLLER_PARAMS, "controller");
  const sub = (key: string, inner: string) => {
    const obj = optObject(c[key], `controller[${key}]`);
    if (obj) rejectUnknown(obj, new Set([inner]), `controller[${key}]`);
    return obj?.[inner];
  };
  const payer = optEnum(sub("fees", "payer"), "controller[fees][payer]", ["account", "application"] as const);
  const losses = optEnum(sub("losses", "payments"), "controller[losses][payments]", ["application", "stripe"] as const);
  const collection = optEnum(c["requirement_collection"], "controller[requirement_collection]", [
    "application",
    "stripe",
  ] as const);
  const dashboard = optEnum(sub("stripe_dashboard", "type"), "controller[stripe_dashboard][type]", [
    "express",
    "full",
    "none",
  ] as const);
  const d = dashboard ?? "full";
  const l = losses ?? "stripe";
  const r = collection ?? "stripe";
  const f = payer ?? "account";
  // The combinations Stripe documents as invalid for controller properties.
  if (r === "application" && (d !== "none" || l !== "application")) {
    throw invalidParam(
      "When `controller[requirement_collection]` is `application`, `controller[stripe_dashboard][type]` must be `none` and `controller[losses][payments]` must be `application`.",
      "controller[requirement_collection]",
    );
  }
  if (d === "express" && (l !== "application" || f !== "application")) {
    throw invalidParam(
      "When `controller[stripe_dashboard][type]` is `express`, `controller[losses][payments]` and `controller[fees][payer]` must be `application`.",
      "controller[stripe_dashboard][type]",
    );
  }
  if (l === "application" && f !== "application") {
    throw invalidParam(
      "When `controller[losses][payments]` is `application`, `controller[fees][payer]` must be `application`.",
      "controller[fees][payer]",
    );
  }
  const feesPayer =
    f === "account"
      ? "account"
      : d === "express"
        ? "application_express"
        : d === "none"
          ? "application_custom"
          : "application";
  return { fees: { payer: feesPayer }, losses: { payments: l }, requirementCollection: r, dashboard: d };
}

function controllerOf(type: "custom" | "express" | "standard"): Controller {
  if (type === "express") {
    return {
      fees: { payer: "application_express" },
      losses: { payments: "application" },
      requirementCollection: "stripe",
      dashboard: "express",
    };
  }
  if (type === "custom") {
    return {
      fees: { payer: "application_custom" },
      losses: { payments: "application" },
      requirementCollection: "application",
      dashboard: "none",
    };
  }
  return {
    fees: { payer: "account" },
    losses: { payments: "stripe" },
    requirementCollection: "stripe",
    dashboard: "full",
  };
}

/** The legacy type an account created with controller properties reports (`none` if it has none). */
function typeOf(c: Controller): AccountRecord["type"] {
  if (c.dashboard === "express" && c.losses.payments === "application" && c.requirementCollection === "stripe")
    return "express";
  if (c.dashboard === "full" && c.losses.payments === "stripe" && c.fees.payer === "account") return "standard";
  if (c.dashboard === "none" && c.requirementCollection === "application") return "custom";
  return "none";
}
