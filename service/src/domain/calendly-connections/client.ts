// The Calendly client for one builder: their own OAuth token when they connected their Calendly,
// the operator's personal access token (CALENDLY_TOKEN) when they did not. This module alone
// reads and writes a connection's tokens; each refresh holds the connection's row lock, so one
// instance refreshes at a time and the rotated token is committed before anything uses it.
import type { Builder, CalendlyConnection } from "../../generated/prisma/client.js";
import { AppError, conflict } from "../../lib/errors.js";
import { TokenCipher } from "../../lib/token-cipher.js";
import { type CalendlyClient, CalendlyError } from "../../providers/calendly.js";
import { CalendlyOAuthError, type OAuthTokens } from "../../providers/calendly-oauth.js";
import type { DomainContext } from "../context.js";

/** An access token this close to its expiry is refreshed before use. */
const EXPIRY_MARGIN_MS = 60_000;

const ciphers = new WeakMap<object, TokenCipher>();

/** The cipher for the configured keys (one per key list). */
export function tokenCipher(ctx: Pick<DomainContext, "config">): TokenCipher {
  const keys = ctx.config.calendly.tokenKeys;
  let cipher = ciphers.get(keys);
  if (!cipher) {
    cipher = new TokenCipher(keys);
    ciphers.set(keys, cipher);
  }
  return cipher;
}

/** What a sealed secret is bound to, so a ciphertext copied to another row or column does not open. */
const aad = (builderId: string, what: "access" | "refresh" | "verifier") => `calendly:${builderId}:${what}`;

type TokenColumns = Pick<
  CalendlyConnection,
  "accessTokenCiphertext" | "refreshTokenCiphertext" | "tokenKeyId" | "accessTokenExpiresAt" | "scopes"
>;

/** The columns a fresh token pair is stored in (under the current key). */
export function sealTokens(ctx: Pick<DomainContext, "config">, builderId: string, tokens: OAuthTokens): TokenColumns {
  const cipher = tokenCipher(ctx);
  const access = cipher.seal(tokens.accessToken, aad(builderId, "access"));
  const refresh = cipher.seal(tokens.refreshToken, aad(builderId, "refresh"));
  return {
    accessTokenCiphertext: access.ciphertext,
    refreshTokenCiphertext: refresh.ciphertext,
    tokenKeyId: access.keyId,
    accessTokenExpiresAt: tokens.expiresAt,
    scopes: tokens.scopes,
  };
}

/** The row's tokens encrypted again under the current key (key rotation). */
export function resealTokens(
  ctx: Pick<DomainContext, "config">,
  row: Parameters<typeof openToken>[1],
): Pick<TokenColumns, "accessTokenCiphertext" | "refreshTokenCiphertext" | "tokenKeyId"> {
  const cipher = tokenCipher(ctx);
  const access = cipher.seal(openToken(ctx, row, "access"), aad(row.builderId, "access"));
  const refresh = cipher.seal(openToken(ctx, row, "refresh"), aad(row.builderId, "refresh"));
  return {
    accessTokenCiphertext: access.ciphertext,
    refreshTokenCiphertext: refresh.ciphertext,
    tokenKeyId: access.keyId,
  };
}

export function openToken(
  ctx: Pick<DomainContext, "config">,
  row: Pick<CalendlyConnection, "builderId" | "tokenKeyId" | "accessTokenCiphertext" | "refreshTokenCiphertext">,
  which: "access" | "refresh",
): string {
  const ciphertext = which === "access" ? row.accessTokenCiphertext : row.refreshTokenCiphertext;
  return tokenCipher(ctx).open({ keyId: row.tokenKeyId, ciphertext }, aad(row.builderId, which));
}

/**
 * openToken for a call that needs the token: a ciphertext no configured key opens (its key was
 * removed from CALENDLY_TOKEN_ENCRYPTION_KEYS) is a 409 naming the key, not a crash; the row is
 * kept, so putting the key back restores the connection.
 */
function usableToken(ctx: DomainContext, row: Parameters<typeof openToken>[1], which: "access" | "refresh"): string {
  try {
    return openToken(ctx, row, which);
  } catch {
    ctx.log.error(
      { builderId: row.builderId, keyId: row.tokenKeyId },
      "a builder's Calendly token cannot be decrypted",
    );
    throw new AppError(
      409,
      "calendly_token_unreadable",
      `builder: the stored Calendly token is encrypted under key "${row.tokenKeyId}", which no configured key opens`,
      { retryable: false },
    );
  }
}

export function sealVerifier(ctx: Pick<DomainContext, "config">, builderId: string, verifier: string) {
  return tokenCipher(ctx).seal(verifier, aad(builderId, "verifier"));
}

export function openVerifier(ctx: Pick<DomainContext, "config">, builderId: string, keyId: string, ciphertext: string) {
  return tokenCipher(ctx).open({ keyId, ciphertext }, aad(builderId, "verifier"));
}

export const calendlyDisconnected = (name: string) =>
  conflict(
    "calendly_disconnected",
    `builder: ${name}'s Calendly is disconnected; they must connect it again before it can be booked`,
  );

export const DISCONNECTED_REASON = "calendly_disconnected";

/**
 * Marks a connection disconnected and its builder unavailable, in one transaction. Clears the
 * tokens: a rejected or revoked grant is worth nothing, and nothing keeps what it need not.
 */
export async function markDisconnected(
  ctx: DomainContext,
  builderId: string,
  reason: "refresh_rejected" | "token_revoked" | "disconnected_by_partner",
  tx: Pick<DomainContext["prisma"], "calendlyConnection" | "builder"> = ctx.prisma,
): Promise<void> {
  await tx.calendlyConnection.update({
    where: { builderId },
    data: {
      status: "DISCONNECTED",
      statusReason: reason,
      disconnectedAt: new Date(),
      accessTokenCiphertext: "",
      refreshTokenCiphertext: "",
      webhookSubscriptionUri: null,
      webhookState: null,
    },
  });
  await tx.builder.update({ where: { id: builderId }, data: { calendlyConnectionStatus: "DISCONNECTED" } });
}

type RefreshOutcome = { token: string } | { disconnected: true };

/** Refreshes under way, per database (so two service instances in one process still contend on the lock). */
const inFlight = new WeakMap<object, Map<string, Promise<RefreshOutcome>>>();

/**
 * A usable access token for the builder, refreshed under the row lock when it is expiring or was
 * just rejected (`rejected`). Concurrent callers in one instance share one refresh; other
 * instances wait on the lock and then find the fresh token instead of refreshing again.
 */
export function refreshAccessToken(ctx: DomainContext, builderId: string, rejected?: string): Promise<RefreshOutcome> {
  let running = inFlight.get(ctx.prisma);
  if (!running) {
    running = new Map();
    inFlight.set(ctx.prisma, running);
  }
  const shared = running.get(builderId);
  if (shared) return shared;
  const map = running;
  const started = refreshLocked(ctx, builderId, rejected).finally(() => map.delete(builderId));
  map.set(builderId, started);
  return started;
}

async function refreshLocked(ctx: DomainContext, builderId: string, rejected?: string): Promise<RefreshOutcome> {
  const oauth = ctx.providers.calendlyOAuth;
  let rejectedBy: CalendlyOAuthError | undefined;
  const outcome = await ctx.prisma.$transaction(
    async (tx): Promise<RefreshOutcome> => {
      await tx.$queryRaw`SELECT id FROM "CalendlyConnection" WHERE "builderId" = ${builderId}::uuid FOR UPDATE`;
      const row = await tx.calendlyConnection.findUnique({ where: { builderId } });
      if (row?.status !== "CONNECTED") return { disconnected: true };
      const current = usableToken(ctx, row, "access");
      // Another caller refreshed while this one waited for the lock: use theirs.
      if (current !== rejected && row.accessTokenExpiresAt.getTime() - Date.now() > EXPIRY_MARGIN_MS) {
        return { token: current };
      }
      if (!oauth) throw new AppError(409, "calendly_oauth_unconfigured", "Calendly OAuth is not configured");
      let tokens: OAuthTokens;
      try {
        tokens = await ctx.metrics.time("calendly", "refresh_token", () =>
          oauth.refresh(usableToken(ctx, row, "refresh")),
        );
      } catch (error) {
        if (error instanceof CalendlyOAuthError && error.rejected) {
          rejectedBy = error;
          await markDisconnected(ctx, builderId, "refresh_rejected", tx);
          return { disconnected: true };
        }
        throw error;
      }
      await tx.calendlyConnection.update({
        where: { builderId },
        data: {
          ...sealTokens(ctx, builderId, tokens),
          // A refresh answer without `scope` keeps the grant's.
          scopes: tokens.scopes.length > 0 ? tokens.scopes : row.scopes,
          refreshedAt: new Date(),
        },
      });
      return { token: tokens.accessToken };
    },
    // The token endpoint is called inside: leave it its own timeout's worth.
    { maxWait: 30_000, timeout: 30_000 },
  );
  if (rejectedBy) {
    ctx.metrics.calendlyRefreshes.inc({ outcome: "rejected" });
    ctx.metrics.calendlyDisconnections.inc({ reason: "refresh_rejected" });
    ctx.log.warn(
      { builderId, oauthError: rejectedBy.code },
      "Calendly refused the refresh token: builder disconnected",
    );
  } else if ("token" in outcome) {
    ctx.metrics.calendlyRefreshes.inc({ outcome: "ok" });
  }
  return outcome;
}

/** The builder's own token, fresh enough to use, or an AppError when they are disconnected. */
async function currentAccessToken(ctx: DomainContext, builder: Pick<Builder, "id" | "name">): Promise<string> {
  const row = await ctx.prisma.calendlyConnection.findUnique({ where: { builderId: builder.id } });
  if (row?.status !== "CONNECTED") throw calendlyDisconnected(builder.name);
  if (row.accessTokenExpiresAt.getTime() - Date.now() > EXPIRY_MARGIN_MS) return usableToken(ctx, row, "access");
  const outcome = await refreshAccessToken(ctx, builder.id);
  if ("disconnected" in outcome) throw calendlyDisconnected(builder.name);
  return outcome.token;
}

/**
 * A failed refresh that leaves the grant intact (Calendly's token endpoint limited the user, or
 * did not answer) as the API client's error, so callers answer it as any Calendly failure: 429
 * for a limit, a retryable 502 otherwise. Never a crash, and the connection stays.
 */
function asCalendlyError(error: unknown): unknown {
  if (!(error instanceof CalendlyOAuthError)) return error;
  const kind =
    error.code === "rate_limited" ? "rate_limited" : error.code === "unavailable" ? "network" : "unauthorized";
  return new CalendlyError({
    kind,
    status: error.status,
    title: "Token Refresh Failed",
    message: `Calendly's token endpoint: ${error.message}`,
    retryable: kind !== "unauthorized",
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  });
}

/** True when the builder's Calendly calls go through their own OAuth connection. */
export function usesConnection(builder: Pick<Builder, "calendlyConnectionStatus">): boolean {
  return builder.calendlyConnectionStatus !== null;
}

/**
 * The Calendly client that acts for `builder`: their connection's token, or the operator's
 * personal access token for a builder without a connection. A disconnected builder's calls fail
 * with 409 `calendly_disconnected`.
 */
export function calendlyFor(
  ctx: DomainContext,
  builder: Pick<Builder, "id" | "name" | "calendlyConnectionStatus">,
): CalendlyClient {
  if (!usesConnection(builder)) return ctx.providers.calendly;
  if (builder.calendlyConnectionStatus === "DISCONNECTED") {
    const error = calendlyDisconnected(builder.name);
    return ctx.providers.calendlyWith({
      token: () => Promise.reject(error),
    });
  }
  return ctx.providers.calendlyWith({
    token: () =>
      currentAccessToken(ctx, builder).catch((error) => {
        throw asCalendlyError(error);
      }),
    renew: async (rejected) => {
      const outcome = await refreshAccessToken(ctx, builder.id, rejected).catch((error) => {
        throw asCalendlyError(error);
      });
      if ("disconnected" in outcome) throw calendlyDisconnected(builder.name);
      return true;
    },
  });
}

/** Loads the builder that owns a booking, for `calendlyFor`. */
export async function calendlyForBuilderId(ctx: DomainContext, builderId: string): Promise<CalendlyClient> {
  const builder = await ctx.prisma.builder.findUniqueOrThrow({
    where: { id: builderId },
    select: { id: true, name: true, calendlyConnectionStatus: true },
  });
  return calendlyFor(ctx, builder);
}
