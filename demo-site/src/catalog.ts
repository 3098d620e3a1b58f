// The marketplace's builder catalogue. It is the service's own seed list (the same module the
// service seeds its database from), so the pages can never drift from what the API knows.
// Bookability is still decided by the service: the widget asks it for every builder.
import { builderSeeds } from "@baw/service";

export type Builder = (typeof builderSeeds)[number];

export const builders: readonly Builder[] = builderSeeds;

export function findBuilder(slug: string): Builder | undefined {
  return builders.find((b) => b.slug === slug);
}

/** "Ada Fernández" → "AF"; "Liam" → "L". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const first = parts[0]?.[0] ?? "?";
  const last = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? "") : "";
  return (first + last).toUpperCase();
}

/** A stable hue per builder, so each avatar keeps its colour. */
export function hueOf(slug: string): number {
  let h = 0;
  for (const ch of slug) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

/** Integer minor units as money, e.g. 15000 usd → "$150". Whole amounts drop the cents. */
export function formatPrice(amount: number, currency: string, locale = "en-US"): string {
  const value = amount / 100;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: Number.isInteger(value) ? 0 : 2,
  }).format(value);
}

export function formatDuration(minutes: number): string {
  if (minutes < 60 || minutes % 60 !== 0) return `${minutes} min`;
  const hours = minutes / 60;
  return hours === 1 ? "1 hour" : `${hours} hours`;
}
