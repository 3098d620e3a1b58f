// Short-lived customer tokens a host site signs for its signed-in visitors: HS256 with the
// site's secret, or any algorithm its JWKS publishes.
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import type { Site } from "../generated/prisma/client.js";
import { AppError, unauthorized } from "../lib/errors.js";

export interface Customer {
  id: string;
  email?: string;
  name?: string;
}

const MAX_LIFETIME_SECONDS = 60 * 60;
const CLOCK_SKEW_SECONDS = 60;
const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function jwks(url: string) {
  let set = jwksCache.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { timeoutDuration: 3000, cooldownDuration: 30_000 });
    jwksCache.set(url, set);
  }
  return set;
}

export async function verifyCustomerToken(site: Site, token: string | undefined): Promise<Customer | undefined> {
  if (!token) {
    if (site.requireCustomerToken) {
      throw unauthorized("customer_token_required", "customerToken: this site requires a signed-in customer");
    }
    return undefined;
  }
  let payload: JWTPayload;
  try {
    if (site.customerTokenSecret) {
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(site.customerTokenSecret), {
        algorithms: ["HS256"],
        requiredClaims: ["sub", "exp"],
      }));
    } else if (site.customerTokenJwksUrl) {
      ({ payload } = await jwtVerify(token, jwks(site.customerTokenJwksUrl), { requiredClaims: ["sub", "exp"] }));
    } else {
      throw new AppError(400, "customer_tokens_not_configured", "customerToken: this site has no token secret or JWKS");
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason =
      error instanceof joseErrors.JWTExpired
        ? "has expired"
        : error instanceof joseErrors.JWSSignatureVerificationFailed
          ? "has an invalid signature"
          : "is not a valid token for this site";
    throw unauthorized("customer_token_invalid", `customerToken: ${reason}`);
  }
  // Short-lived means both: issued for at most an hour, and not valid for more than an hour from
  // now (a token without iat would otherwise live as long as its exp says).
  const now = Math.floor(Date.now() / 1000);
  const lifetime = payload.exp! - (payload.iat ?? now);
  if (lifetime > MAX_LIFETIME_SECONDS || payload.exp! - now > MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw unauthorized("customer_token_invalid", "customerToken: lives longer than one hour; issue short-lived tokens");
  }
  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);
  return { id: String(payload.sub), email: str(payload.email), name: str(payload.name) };
}
