// Stripe-looking ids: prefix plus base62 noise (`cs_test_a1…`, `pi_3…`, `evt_1…`, `req_…`).
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function base62(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = "";
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out.length === length ? out : out + base62(length - out.length);
}

export const newId = {
  checkoutSession: () => `cs_test_a1${base62(56)}`,
  paymentIntent: () => `pi_3${base62(23)}`,
  charge: () => `ch_3${base62(23)}`,
  refund: () => `re_3${base62(23)}`,
  event: () => `evt_1${base62(23)}`,
  request: () => `req_${base62(14)}`,
  balanceTransaction: () => `txn_3${base62(23)}`,
  paymentMethod: () => `pm_1${base62(23)}`,
  lineItem: () => `li_1${base62(23)}`,
  webhookEndpoint: () => `we_1${base62(23)}`,
  account: () => `acct_1${base62(16)}`,
  accountLinkToken: () => base62(24),
  transfer: () => `tr_1${base62(23)}`,
  transferReversal: () => `trr_1${base62(23)}`,
  destinationPayment: () => `py_1${base62(23)}`,
  destinationPaymentRefund: () => `pyr_1${base62(23)}`,
  applicationFee: () => `fee_1${base62(23)}`,
  feeRefund: () => `fr_1${base62(23)}`,
  payout: () => `po_1${base62(23)}`,
  clientSecret: (piId: string) => `${piId}_secret_${base62(25)}`,
};
