// Short-lived customer tokens a host site signs for its signed-in visitors: HS256 with the
// site's secret, or any algorithm its JWKS publishes. A site may name the audience and issuer
// its tokens carry; with a JWKS (often an identity provider shared by many apps) the audience
// is required, so a token issued for another app is refused.
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyOptions, errors as joseErrors, jwtVerify } from "jose";
import type { Site } from "../generated/prisma/client.js";
import { AppError, unauthorized, unavailable } from "../lib/errors.js";

export interface Customer {
  id: string;
  email?: string;
  name?: string;
}

const MAX_LIFETIME_SECONDS = 60 * 60;
const CLOCK_SKEW_SECONDS = 60;
const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/**
 * How a site's JWKS is fetched: a token signed by a key the cached set lacks (a rotation)
 * refetches the set, at most once per cooldown.
 */
export const jwksSettings = { timeoutMs: 3000, cooldownMs: 30_000 };

function jwks(url: string) {
  let set = jwksCache.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), {
      timeoutDuration: jwksSettings.timeoutMs,
      cooldownDuration: jwksSettings.cooldownMs,
    });
    jwksCache.set(url, set);
  }
  return set;
}

function invalidReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "has expired";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "has an invalid signature";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "is signed by a key the site's JWKS does not publish";
  if (error instanceof joseErrors.JWTClaimValidationFailed && (error.claim === "aud" || error.claim === "iss")) {
    return `was issued ${error.claim === "aud" ? "for another audience" : "by another issuer"} than this site expects`;
  }
  return "is not a valid token for this site";
}

/** The JWKS could not be fetched or read (network failure, an error status, not a key set). */
function isUnreachable(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return true;
  // jose raises its base error, no subclass, for a non-200 answer or a body that is not JSON;
  // fetch raises a TypeError for a refused connection or an unknown host.
  return (
    (error instanceof joseErrors.JOSEError && error.constructor === joseErrors.JOSEError) || error instanceof TypeError
  );
}

export async function verifyCustomerToken(site: Site, token: string | undefined): Promise<Customer | undefined> {
  if (!token) {
    if (site.requireCustomerToken) {
      throw unauthorized("customer_token_required", "customerToken: this site requires a signed-in customer");
    }
    return undefined;
  }
  const expected: JWTVerifyOptions = {
    requiredClaims: ["sub", "exp"],
    ...(site.customerTokenAudience ? { audience: site.customerTokenAudience } : {}),
    ...(site.customerTokenIssuer ? { issuer: site.customerTokenIssuer } : {}),
  };
  let payload: JWTPayload;
  try {
    if (site.customerTokenSecret) {
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(site.customerTokenSecret), {
        ...expected,
        algorithms: ["HS256"],
      }));
    } else if (site.customerTokenJwksUrl) {
      if (!site.customerTokenAudience) {
        throw new AppError(
          400,
          "customer_tokens_not_configured",
          "customerToken: this site verifies tokens with a JWKS but names no audience to expect",
        );
      }
      ({ payload } = await jwtVerify(token, jwks(site.customerTokenJwksUrl), expected));
    } else {
      throw new AppError(400, "customer_tokens_not_configured", "customerToken: this site has no token secret or JWKS");
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (site.customerTokenJwksUrl && isUnreachable(error)) {
      throw unavailable(
        "customer_token_keys_unavailable",
        "customerToken: the site's signing keys (JWKS) cannot be fetched right now; retry shortly",
      );
    }
    throw unauthorized("customer_token_invalid", `customerToken: ${invalidReason(error)}`);
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
