// Validation of `POST /v1/checkout/sessions`, with the checks and messages of the real endpoint
// for what the sandbox supports: mode=payment with price_data line items on the hosted page.
import { invalidParam, missingParam, resourceMissing } from "./errors.js";
import type { FormObject, FormValue } from "./form.js";
import {
  email,
  expandList,
  isObject,
  metadata,
  optArray,
  optEnum,
  optInt,
  optObject,
  optString,
  rejectUnknown,
  reqInt,
  reqString,
  url,
} from "./params.js";
import type { InvoiceCreation, Metadata, PaymentIntentData } from "./store.js";

// Every top-level parameter the real endpoint accepts, so a typo fails here as it would at Stripe.
const SESSION_PARAMS = new Set([
  "adaptive_pricing",
  "after_expiration",
  "allow_promotion_codes",
  "automatic_tax",
  "billing_address_collection",
  "branding_settings",
  "cancel_url",
  "client_reference_id",
  "consent_collection",
  "currency",
  "custom_fields",
  "custom_text",
  "customer",
  "customer_account",
  "customer_creation",
  "customer_email",
  "customer_update",
  "discounts",
  "excluded_payment_method_types",
  "expand",
  "expires_at",
  "invoice_creation",
  "line_items",
  "locale",
  "metadata",
  "mode",
  "name_collection",
  "optional_items",
  "origin_context",
  "payment_intent_data",
  "payment_method_collection",
  "payment_method_configuration",
  "payment_method_data",
  "payment_method_options",
  "payment_method_types",
  "permissions",
  "phone_number_collection",
  "redirect_on_completion",
  "return_url",
  "saved_payment_method_options",
  "setup_intent_data",
  "shipping_address_collection",
  "shipping_options",
  "submit_type",
  "subscription_data",
  "success_url",
  "tax_id_collection",
  "ui_mode",
  "wallet_options",
]);
// Accepted by Stripe but ignored by the sandbox (they do not change what the flow needs).
const LINE_ITEM_PARAMS = new Set([
  "adjustable_quantity",
  "dynamic_tax_rates",
  "price",
  "price_data",
  "quantity",
  "tax_rates",
]);
const PRICE_DATA_PARAMS = new Set([
  "currency",
  "product",
  "product_data",
  "recurring",
  "tax_behavior",
  "unit_amount",
  "unit_amount_decimal",
]);
const PRODUCT_DATA_PARAMS = new Set(["description", "images", "metadata", "name", "tax_code", "unit_label"]);
const PAYMENT_INTENT_DATA_PARAMS = new Set([
  "application_fee_amount",
  "capture_method",
  "description",
  "metadata",
  "on_behalf_of",
  "receipt_email",
  "setup_future_usage",
  "shipping",
  "statement_descriptor",
  "statement_descriptor_suffix",
  "transfer_data",
  "transfer_group",
]);
const INVOICE_CREATION_PARAMS = new Set(["enabled", "invoice_data"]);
const INVOICE_DATA_PARAMS = new Set([
  "account_tax_ids",
  "custom_fields",
  "description",
  "footer",
  "issuer",
  "metadata",
  "rendering_options",
]);
const TRANSFER_DATA_PARAMS = new Set(["amount", "destination"]);
const LOCALES = [
  "auto",
  "bg",
  "cs",
  "da",
  "de",
  "el",
  "en",
  "en-GB",
  "es",
  "es-419",
  "et",
  "fi",
  "fil",
  "fr",
  "fr-CA",
  "hr",
  "hu",
  "id",
  "it",
  "ja",
  "ko",
  "lt",
  "lv",
  "ms",
  "mt",
  "nb",
  "nl",
  "pl",
  "pt",
  "pt-BR",
  "ro",
  "ru",
  "sk",
  "sl",
  "sv",
  "th",
  "tr",
  "vi",
  "zh",
  "zh-HK",
  "zh-TW",
] as const;

/** Stripe's maximum charge is 99,999,999 in the currency's minor unit; the minimum about 50. */
const MAX_AMOUNT = 99_999_999;
const MIN_AMOUNT = 50;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;
/** Leeway for a client computing `now + minimum` a moment before the request lands. */
const EXPIRY_SLACK_SECONDS = 10;

export interface LineItemInput {
  quantity: number;
  unitAmount: number;
  currency: string;
  productName: string;
  productDescription: string | null;
  productMetadata: Metadata;
}

export interface SessionInput {
  mode: "payment";
  lineItems: LineItemInput[];
  currency: string;
  amountTotal: number;
  successUrl: string;
  cancelUrl: string | null;
  clientReferenceId: string | null;
  customerEmail: string | null;
  metadata: Metadata;
  paymentIntentData: PaymentIntentData;
  allowPromotionCodes: boolean | null;
  invoiceCreation: InvoiceCreation;
  expiresAt: number;
  locale: string | null;
  submitType: string | null;
  paymentMethodTypes: string[];
  expand: string[];
}

export function parseSessionParams(p: FormObject, now: number, minExpirySeconds: number): SessionInput {
  rejectUnknown(p, SESSION_PARAMS);
  const mode = optEnum(p["mode"], "mode", ["payment", "setup", "subscription"] as const);
  if (mode === null) throw missingParam("mode");
  if (mode !== "payment")
    throw invalidParam(`The sandbox's fake Stripe supports only mode=payment, not ${mode}.`, "mode");
  const uiMode = optEnum(p["ui_mode"], "ui_mode", ["hosted", "embedded", "custom"] as const);
  if (uiMode !== null && uiMode !== "hosted") {
    throw invalidParam(`The sandbox's fake Stripe supports only ui_mode=hosted, not ${uiMode}.`, "ui_mode");
  }
  if (p["customer"] !== undefined && p["customer"] !== "") {
    const customer = optString(p["customer"], "customer");
    throw resourceMissing("customer", customer ?? "", { body: "customer" });
  }

  const successUrl = url(p["success_url"], "success_url", true)!;
  const cancelUrl = url(p["cancel_url"], "cancel_url", false);

  const lineItemsRaw = optArray(p["line_items"], "line_items");
  if (!lineItemsRaw || lineItemsRaw.length === 0) {
    throw invalidParam("You must specify `line_items` in `payment` mode.", "line_items", "parameter_missing");
  }
  if (lineItemsRaw.length > 100) throw invalidParam("line_items can have at most 100 items", "line_items");
  const topCurrency = currencyOf(p["currency"], "currency");
  const lineItems = lineItemsRaw.map((raw, i) => parseLineItem(raw, i));
  const currency = topCurrency ?? lineItems[0]!.currency;
  lineItems.forEach((li, i) => {
    if (li.currency !== currency) {
      throw invalidParam(
        "All line items must have the same currency as the Checkout Session.",
        `line_items[${i}][price_data][currency]`,
      );
    }
  });
  const amountTotal = lineItems.reduce((sum, li) => sum + li.unitAmount * li.quantity, 0);
  if (amountTotal > MAX_AMOUNT) {
    throw invalidParam(
      `The Checkout Session's total amount must be no more than ${MAX_AMOUNT}.`,
      "line_items",
      "amount_too_large",
    );
  }
  if (amountTotal < MIN_AMOUNT) {
    throw invalidParam(
      `The Checkout Session's total amount due must add up to at least ${MIN_AMOUNT} (in the currency's smallest unit).`,
      "line_items",
      "amount_too_small",
    );
  }

  const expiresAtIn = optInt(p["expires_at"], "expires_at");
  let expiresAt = now + MAX_EXPIRY_SECONDS;
  if (expiresAtIn !== null) {
    if (expiresAtIn < now + minExpirySeconds - EXPIRY_SLACK_SECONDS) {
      throw invalidParam(
        `The \`expires_at\` timestamp must be at least ${describeDuration(minExpirySeconds)} from Checkout Session creation.`,
        "expires_at",
      );
    }
    if (expiresAtIn > now + MAX_EXPIRY_SECONDS) {
      throw invalidParam(
        "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
        "expires_at",
      );
    }
    expiresAt = expiresAtIn;
  }

  const pid = optObject(p["payment_intent_data"], "payment_intent_data") ?? {};
  rejectUnknown(pid, PAYMENT_INTENT_DATA_PARAMS, "payment_intent_data");
  const captureMethod = optEnum(pid["capture_method"], "payment_intent_data[capture_method]", [
    "automatic",
    "automatic_async",
    "manual",
  ] as const);
  if (captureMethod === "manual") {
    throw invalidParam(
      "The sandbox's fake Stripe does not support manual capture.",
      "payment_intent_data[capture_method]",
    );
  }

  const transferData = optObject(pid["transfer_data"], "payment_intent_data[transfer_data]");
  if (transferData) rejectUnknown(transferData, TRANSFER_DATA_PARAMS, "payment_intent_data[transfer_data]");
  const destination = transferData
    ? reqString(transferData["destination"], "payment_intent_data[transfer_data][destination]")
    : null;
  const transferAmount = transferData
    ? optInt(transferData["amount"], "payment_intent_data[transfer_data][amount]")
    : null;
  const applicationFeeAmount = optInt(pid["application_fee_amount"], "payment_intent_data[application_fee_amount]");
  if (applicationFeeAmount !== null && applicationFeeAmount < 0) {
    throw invalidParam("This value must be greater than or equal to 0.", "payment_intent_data[application_fee_amount]");
  }
  if (transferAmount !== null && transferAmount < 0) {
    throw invalidParam("This value must be greater than or equal to 0.", "payment_intent_data[transfer_data][amount]");
  }

  const promo = optEnum(p["allow_promotion_codes"], "allow_promotion_codes", ["true", "false"] as const);
  if (promo === "true" && p["discounts"] !== undefined) {
    throw invalidParam("You may only specify one of these parameters: allow_promotion_codes, discounts.", "discounts");
  }

  const paymentMethodTypes = (optArray(p["payment_method_types"], "payment_method_types") ?? ["card"]).map((v, i) => {
    if (typeof v !== "string" || !/^[a-z_]+$/.test(v))
      throw invalidParam("Invalid payment_method_types", `payment_method_types[${i}]`);
    return v;
  });

  return {
    mode,
    lineItems,
    currency,
    amountTotal,
    successUrl,
    cancelUrl,
    clientReferenceId: optString(p["client_reference_id"], "client_reference_id", 200),
    customerEmail: email(p["customer_email"], "customer_email"),
    metadata: metadata(p["metadata"], "metadata"),
    paymentIntentData: {
      metadata: metadata(pid["metadata"], "payment_intent_data[metadata]"),
      description: optString(pid["description"], "payment_intent_data[description]", 1000),
      receiptEmail: email(pid["receipt_email"], "payment_intent_data[receipt_email]"),
      statementDescriptor: optString(pid["statement_descriptor"], "payment_intent_data[statement_descriptor]", 22),
      statementDescriptorSuffix: optString(
        pid["statement_descriptor_suffix"],
        "payment_intent_data[statement_descriptor_suffix]",
        22,
      ),
      destination,
      transferAmount,
      applicationFeeAmount,
      onBehalfOf: optString(pid["on_behalf_of"], "payment_intent_data[on_behalf_of]"),
      transferGroup: optString(pid["transfer_group"], "payment_intent_data[transfer_group]"),
    },
    allowPromotionCodes: promo === null ? null : promo === "true",
    invoiceCreation: parseInvoiceCreation(p["invoice_creation"]),
    expiresAt,
    locale: optEnum(p["locale"], "locale", LOCALES),
    submitType: optEnum(p["submit_type"], "submit_type", ["auto", "book", "donate", "pay", "subscribe"] as const),
    paymentMethodTypes,
    expand: expandList(p["expand"]),
  };
}

function parseInvoiceCreation(v: FormValue | undefined): InvoiceCreation {
  const ic = optObject(v, "invoice_creation");
  if (!ic) return { enabled: false, description: null, footer: null, metadata: {} };
  rejectUnknown(ic, INVOICE_CREATION_PARAMS, "invoice_creation");
  const enabled = optEnum(ic["enabled"], "invoice_creation[enabled]", ["true", "false"] as const);
  if (enabled === null) throw missingParam("invoice_creation[enabled]");
  const data = optObject(ic["invoice_data"], "invoice_creation[invoice_data]") ?? {};
  rejectUnknown(data, INVOICE_DATA_PARAMS, "invoice_creation[invoice_data]");
  return {
    enabled: enabled === "true",
    description: optString(data["description"], "invoice_creation[invoice_data][description]", 1500),
    footer: optString(data["footer"], "invoice_creation[invoice_data][footer]", 5000),
    metadata: metadata(data["metadata"], "invoice_creation[invoice_data][metadata]"),
  };
}

function parseLineItem(item: FormValue, i: number): LineItemInput {
  const prefix = `line_items[${i}]`;
  if (!isObject(item)) throw invalidParam("Invalid object", prefix);
  rejectUnknown(item, LINE_ITEM_PARAMS, prefix);
  if (item["price"] !== undefined) {
    const price = reqString(item["price"], `${prefix}[price]`);
    // The sandbox keeps no price catalogue; the service sets prices server-side with price_data.
    throw resourceMissing("price", price, { body: `${prefix}[price]` });
  }
  const priceData = optObject(item["price_data"], `${prefix}[price_data]`);
  if (!priceData)
    throw invalidParam(
      `You must specify either \`price\` or \`price_data\` in ${prefix}.`,
      `${prefix}[price_data]`,
      "parameter_missing",
    );
  const pd = `${prefix}[price_data]`;
  rejectUnknown(priceData, PRICE_DATA_PARAMS, pd);
  if (priceData["recurring"] !== undefined) {
    throw invalidParam("You can not pass `recurring` in `payment` mode.", `${pd}[recurring]`);
  }
  const currency = currencyOf(priceData["currency"], `${pd}[currency]`);
  if (currency === null) throw missingParam(`${pd}[currency]`);
  if (priceData["product"] !== undefined) {
    const product = reqString(priceData["product"], `${pd}[product]`);
    throw resourceMissing("product", product, { body: `${pd}[product]` });
  }
  const productData = optObject(priceData["product_data"], `${pd}[product_data]`);
  if (!productData) throw missingParam(`${pd}[product_data]`);
  rejectUnknown(productData, PRODUCT_DATA_PARAMS, `${pd}[product_data]`);
  const productName = reqString(productData["name"], `${pd}[product_data][name]`, 250);

  let unitAmount: number;
  if (priceData["unit_amount"] !== undefined) {
    unitAmount = reqInt(priceData["unit_amount"], `${pd}[unit_amount]`);
  } else if (priceData["unit_amount_decimal"] !== undefined) {
    const dec = reqString(priceData["unit_amount_decimal"], `${pd}[unit_amount_decimal]`);
    if (!/^\d+(\.\d{1,12})?$/.test(dec)) throw invalidParam(`Invalid decimal: ${dec}`, `${pd}[unit_amount_decimal]`);
    if (!Number.isInteger(Number(dec))) {
      throw invalidParam(
        "The sandbox's fake Stripe supports only whole-number unit amounts.",
        `${pd}[unit_amount_decimal]`,
      );
    }
    unitAmount = Number(dec);
  } else {
    throw invalidParam(
      `You must specify either \`unit_amount\` or \`unit_amount_decimal\` in ${pd}.`,
      `${pd}[unit_amount]`,
      "parameter_missing",
    );
  }
  if (unitAmount < 0) {
    throw invalidParam("This value must be greater than or equal to 0.", `${pd}[unit_amount]`);
  }
  if (unitAmount > MAX_AMOUNT) {
    throw invalidParam(
      `This value must be less than or equal to ${MAX_AMOUNT}.`,
      `${pd}[unit_amount]`,
      "amount_too_large",
    );
  }
  const quantity = reqInt(item["quantity"], `${prefix}[quantity]`);
  if (quantity < 1 || quantity > 999_999) {
    throw invalidParam("This value must be greater than or equal to 1.", `${prefix}[quantity]`);
  }
  return {
    quantity,
    unitAmount,
    currency,
    productName,
    productDescription: optString(productData["description"], `${pd}[product_data][description]`),
    productMetadata: metadata(productData["metadata"], `${pd}[product_data][metadata]`),
  };
}

function currencyOf(v: FormValue | undefined, param: string): string | null {
  const s = optString(v, param);
  if (s === null) return null;
  const lower = s.toLowerCase();
  if (!/^[a-z]{3}$/.test(lower)) throw invalidParam(`Invalid currency: ${s}`, param);
  try {
    new Intl.NumberFormat("en", { style: "currency", currency: lower });
  } catch {
    throw invalidParam(`Invalid currency: ${s}`, param);
  }
  return lower;
}

function describeDuration(seconds: number): string {
  if (seconds % 60 === 0) {
    const minutes = seconds / 60;
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}
