// SPDX-License-Identifier: MIT
import type { Prefill } from "./types.js";

/** The element's own properties of the same names. */
export interface CalendlyUrlOptions {
  name?: string;
  email?: string;
  prefill?: Prefill;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  hideDetails?: boolean;
  /** Hex colour, with or without `#`. */
  primaryColor?: string;
}

/**
 * Calendly's scheduling URL for `base` (the service's `calendlyUrl`, which carries `utm_content`).
 * Parameters already in `base` are never overwritten: the service's attempt id in `utm_content`
 * and its signed-in prefill win over the element's attributes.
 * With `embedDomain` (the embedding page's `location.host`) it is the inline embed's URL; without, it is the direct link ("Open in Calendly"): no embed or hide parameters.
 */
export function calendlyUrl(base: string, o: CalendlyUrlOptions, embedDomain?: string): string {
  const url = new URL(base);
  const q = url.searchParams;
  const set = (k: string, v: unknown) => {
    if (v != null && v !== "" && !q.has(k)) q.set(k, Array.isArray(v) ? v.join(",") : String(v));
  };
  const p = o.prefill ?? {};
  set("name", o.name);
  set("email", o.email);
  set("first_name", p.firstName);
  set("last_name", p.lastName);
  for (let i = 1; i <= 10; i++) set(`a${i}`, p[`a${i}` as keyof Prefill]);
  set("guests", p.guests);
  set("date", p.date);
  set("utm_source", o.utmSource);
  set("utm_medium", o.utmMedium);
  set("utm_campaign", o.utmCampaign);
  set("utm_term", o.utmTerm);
  if (embedDomain) {
    q.set("embed_type", "Inline");
    q.set("embed_domain", embedDomain);
    if (o.hideDetails) q.set("hide_event_type_details", "1");
    q.set("hide_gdpr_banner", "1");
    const color = o.primaryColor?.replace(/^#/, "");
    if (color && /^[0-9a-f]{6}$/i.test(color)) q.set("primary_color", color);
  }
  return url.href;
}
