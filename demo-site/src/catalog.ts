// The marketplace's builder catalogue, read from the service's partner API with the demo's own
// key (builders:read), as any marketplace would: a builder added through the API or the admin
// CLI appears here at the next page view. Bookability is decided by the service.

export interface SessionType {
  id: string;
  name: string;
  durationMinutes: number;
  price: { amount: number; currency: string };
  active: boolean;
}

export interface Builder {
  id: string;
  slug: string;
  name: string;
  headline: string;
  bio: string;
  isDemo: boolean;
  active: boolean;
  state: "bookable" | "demo" | "unavailable";
  reason?: string;
  sessionTypes: SessionType[];
}

/** The service did not answer the catalogue request (stopped, restarting, or failing). */
export class CatalogueUnavailable extends Error {
  override name = "CatalogueUnavailable";
}

export interface Catalogue {
  list(): Promise<Builder[]>;
  /** The builder with this slug, or undefined when there is none. */
  find(slug: string): Promise<Builder | undefined>;
}

/**
 * Reads the catalogue from the service. While the service does not answer (stopped, restarting,
 * or rate-limiting the marketplace's key) the last answers are served, so the pages (and the
 * element on them, which reports the outage itself) still render; with none yet, it throws.
 */
export function catalogueClient(serviceUrl: () => string, partnerKey: () => string | undefined): Catalogue {
  let lastList: Builder[] | undefined;
  const lastBySlug = new Map<string, Builder>();
  const get = async (path: string): Promise<Response> => {
    const key = partnerKey();
    if (!key) throw new CatalogueUnavailable("the booking service is not running");
    let res: Response;
    try {
      res = await fetch(`${serviceUrl()}${path}`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new CatalogueUnavailable(`the booking service did not answer (${(error as Error).message})`);
    }
    if (res.status !== 200 && res.status !== 404) {
      throw new CatalogueUnavailable(`the booking service answered ${res.status} to ${path}`);
    }
    return res;
  };
  const orLast = async <T>(read: () => Promise<T>, last: () => T | undefined): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      const stale = last();
      if (error instanceof CatalogueUnavailable && stale !== undefined) return stale;
      throw error;
    }
  };
  return {
    list: () =>
      orLast(
        async () => {
          const res = await get("/v1/partner/builders");
          const builders = ((await res.json()) as { data: Builder[] }).data;
          lastList = builders;
          lastBySlug.clear();
          for (const b of builders) lastBySlug.set(b.slug, b);
          return builders;
        },
        () => lastList,
      ),
    find: (slug) =>
      orLast(
        async () => {
          const res = await get(`/v1/partner/builders/${encodeURIComponent(slug)}`);
          if (res.status === 404) {
            lastBySlug.delete(slug);
            return undefined;
          }
          const builder = (await res.json()) as Builder;
          lastBySlug.set(slug, builder);
          return builder;
        },
        () => lastBySlug.get(slug),
      ),
  };
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
