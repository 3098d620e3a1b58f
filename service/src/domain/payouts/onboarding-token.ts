// The token in the default refresh_url of an onboarding link. Stripe sends the builder's browser
// there when a link has expired or was used; the token says, without a session, which builder's
// account to issue a fresh link for and where to return. Signed with the booking-token secret.
import { createHmac, timingSafeEqual } from "node:crypto";

const LIFETIME_SECONDS = 7 * 24 * 60 * 60;

export interface OnboardingClaims {
  builderId: string;
  accountId: string;
  returnUrl: string;
  /** Unix seconds. */
  exp: number;
}

function mac(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(`payout-onboarding:${payload}`).digest("base64url");
}

export function onboardingToken(secret: string, claims: Omit<OnboardingClaims, "exp">, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(now / 1000) + LIFETIME_SECONDS })).toString(
    "base64url",
  );
  return `${payload}.${mac(secret, payload)}`;
}

/** The claims of a token this service signed and that has not expired, else null. */
export function readOnboardingToken(secret: string, token: string, now = Date.now()): OnboardingClaims | null {
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as OnboardingClaims;
    if (typeof claims.exp !== "number" || claims.exp * 1000 < now) return null;
    if (typeof claims.builderId !== "string" || typeof claims.accountId !== "string") return null;
    if (typeof claims.returnUrl !== "string") return null;
    return claims;
  } catch {
    return null;
  }
}
