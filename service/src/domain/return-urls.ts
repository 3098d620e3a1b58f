// Checkout may only return to pages a site (or partner) allowlisted: no open redirects.
import { badRequest } from "../lib/errors.js";

/** True when `candidate` has the origin of an allowlist entry and is its page or below it. */
export function isAllowedReturnUrl(candidate: string, allowlist: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  if (url.username || url.password) return false;
  return allowlist.some((entry) => {
    try {
      const allowed = new URL(entry);
      if (allowed.origin !== url.origin) return false;
      // "/book" allows "/book" and "/book/…", not "/bookmarks".
      const base = allowed.pathname.endsWith("/") ? allowed.pathname : `${allowed.pathname}/`;
      return url.pathname === allowed.pathname || url.pathname.startsWith(base);
    } catch {
      return false;
    }
  });
}

/** The page checkout returns to: the requested one if allowlisted, else the first allowlisted page. */
export function chooseReturnUrl(requested: string | undefined, allowlist: readonly string[]): string {
  if (requested !== undefined) {
    if (!isAllowedReturnUrl(requested, allowlist)) {
      throw badRequest("returnUrl", "is not on this site's return-URL allowlist");
    }
    return requested;
  }
  const first = allowlist[0];
  if (!first) throw badRequest("returnUrl", "is required: this site has no return-URL allowlist configured");
  return first;
}

/** Adds the booking's return parameters to the page URL; `extra` keeps Stripe's placeholder verbatim. */
export function returnUrlWith(base: string, params: Record<string, string>, extra = ""): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return `${url.toString()}${extra ? `${url.search ? "&" : "?"}${extra}` : ""}`;
}
