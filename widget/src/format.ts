// SPDX-License-Identifier: MIT
import type { Money } from "./types.js";

/** Integer minor units as a localized currency amount (6000 usd → "$60.00"; JPY has no minor unit). */
export function formatMoney(m: Money, locale: string): string {
  const f = new Intl.NumberFormat(locale, { style: "currency", currency: m.currency.toUpperCase() });
  return f.format(m.amount / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
}
