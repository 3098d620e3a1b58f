// Connecting a builder's Calendly through OAuth: the authorization request (state + PKCE), the
// callback that exchanges the code and stores the connection, and disconnecting.
import { randomBytes } from "node:crypto";
import type { Config } from "../../config.js";
import { AppError, badRequest, conflict, notFound } from "../../lib/errors.js";
import { sha256 } from "../../lib/ids.js";
import { isCalendlyError } from "../../providers/calendly.js";
import { type CalendlyOAuthClient, CalendlyOAuthError, pkcePair } from "../../providers/calendly-oauth.js";
import { builderWhere } from "../bookability.js";
import type { DomainContext } from "../context.js";
import { isAllowedReturnUrl, returnUrlWith } from "../return-urls.js";
import { calendlyFor, markDisconnected, openToken, openVerifier, sealTokens, sealVerifier } from "./client.js";
import { ensureSubscription } from "./subscriptions.js";

/** Calendly's authorization codes live 10 minutes; a state lives as long. */
const STATE_LIFETIME_MS = 10 * 60 * 1000;

/** The service's own public base: PUBLIC_URL, or in sandbox mode the address it listens on. */
export function serviceBaseUrl(config: Config): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, "");
  return `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${config.port}`;
}

/** The redirect URI registered with the OAuth app. */
export function redirectUri(config: Config): string {
  return config.calendly.oauth?.redirectUri ?? `${serviceBaseUrl(config)}/oauth/calendly/callback`;
}

export function webhookCallbackUrl(config: Config): string {
  return `${serviceBaseUrl(config)}/webhooks/calendly`;
}

export function oauthClient(ctx: DomainContext): CalendlyOAuthClient {
  if (!ctx.providers.calendlyOAuth) {
    throw new AppError(
      409,
      "calendly_oauth_unconfigured",
      "Builders cannot connect their Calendly here: CALENDLY_OAUTH_CLIENT_ID and CALENDLY_OAUTH_CLIENT_SECRET are not set",
    );
  }
  return ctx.providers.calendlyOAuth;
}

async function findBuilder(ctx: DomainContext, ref: string) {
  const builder = await ctx.prisma.builder.findUnique({ where: builderWhere(ref) });
  if (!builder) throw notFound("builder_not_found", `builder: no builder "${ref}" exists`);
  return builder;
}

/** Starts a connection: a single-use state bound to the builder, and Calendly's consent page. */
export async function startConnect(
  ctx: DomainContext,
  input: { builder: string; returnUrl: string; partnerKeyId: string; allowlist: readonly string[] },
): Promise<{ authorizeUrl: string; expiresAt: string }> {
  const oauth = oauthClient(ctx);
  if (!isAllowedReturnUrl(input.returnUrl, input.allowlist)) {
    throw badRequest("returnUrl", "is not on this partner key's return-URL allowlist");
  }
  const builder = await findBuilder(ctx, input.builder);
  if (builder.isDemo) throw conflict("builder_is_demo", `builder: ${builder.name} is a demo profile`);
  const state = randomBytes(32).toString("base64url");
  const { verifier, challenge } = pkcePair();
  const sealed = sealVerifier(ctx, builder.id, verifier);
  const expiresAt = new Date(Date.now() + STATE_LIFETIME_MS);
  await ctx.prisma.calendlyOAuthState.create({
    data: {
      stateHash: sha256(state),
      builderId: builder.id,
      partnerKeyId: input.partnerKeyId,
      codeVerifierCiphertext: sealed.ciphertext,
      tokenKeyId: sealed.keyId,
      returnUrl: input.returnUrl,
      expiresAt,
    },
  });
  // Old, finished requests are of no further use.
  await ctx.prisma.calendlyOAuthState.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - 86_400_000) } } });
  return {
    authorizeUrl: oauth.authorizeUrl({ redirectUri: redirectUri(ctx.config), state, codeChallenge: challenge }),
    expiresAt: expiresAt.toISOString(),
  };
}

/** Why a callback did not connect, as the returnUrl's `reason` says it. */
export type CallbackFailure =
  | "consent_denied"
  | "authorization_failed"
  | "state_expired"
  | "state_used"
  | "code_rejected"
  | "client_rejected"
  | "calendly_rate_limited"
  | "calendly_unavailable"
  | "scopes_missing";

export type CallbackOutcome =
  | { redirect: string }
  /** No usable state: there is no trusted page to send the browser to. */
  | { error: AppError };

/** Scopes the service needs (Calendly grants none an app did not ask for). */
export const REQUIRED_SCOPES = [
  "users:read",
  "event_types:read",
  "scheduled_events:read",
  "scheduled_events:write",
  "webhooks:write",
] as const;

const failure = (returnUrl: string, reason: CallbackFailure) => ({
  redirect: returnUrlWith(returnUrl, { calendly: "error", reason }),
});

function exchangeFailure(error: unknown): CallbackFailure {
  if (error instanceof CalendlyOAuthError) {
    if (error.code === "invalid_grant" || error.code === "invalid_request") return "code_rejected";
    if (error.code === "invalid_client" || error.code === "unauthorized_client") return "client_rejected";
    if (error.code === "rate_limited") return "calendly_rate_limited";
    return "calendly_unavailable";
  }
  if (isCalendlyError(error)) return error.kind === "rate_limited" ? "calendly_rate_limited" : "calendly_unavailable";
  throw error;
}

/**
 * `GET /oauth/calendly/callback`. The state is claimed (single use) before anything else, so a
 * replayed callback finds it used; the code is exchanged with the state's PKCE verifier; the
 * connection is stored, and the builder's webhook subscription created. Every failure redirects
 * to the partner's page with `calendly=error&reason=…`, leaving what was stored as it was.
 */
export async function completeCallback(
  ctx: DomainContext,
  query: { state?: string; code?: string; error?: string },
): Promise<CallbackOutcome> {
  if (!query.state) {
    return { error: badRequest("state", "is missing: this is not the answer to an authorization request") };
  }
  const stateHash = sha256(query.state);
  const state = await ctx.prisma.calendlyOAuthState.findUnique({ where: { stateHash } });
  if (!state) {
    return { error: badRequest("state", "matches no authorization request; start connecting again") };
  }
  const claimed = await ctx.prisma.calendlyOAuthState.updateMany({
    where: { stateHash, usedAt: null },
    data: { usedAt: new Date() },
  });
  if (claimed.count !== 1) return failure(state.returnUrl, "state_used");
  if (state.expiresAt.getTime() < Date.now()) return failure(state.returnUrl, "state_expired");
  if (query.error)
    return failure(state.returnUrl, query.error === "access_denied" ? "consent_denied" : "authorization_failed");
  if (!query.code) return failure(state.returnUrl, "authorization_failed");

  const oauth = oauthClient(ctx);
  let verifier: string;
  try {
    verifier = openVerifier(ctx, state.builderId, state.tokenKeyId, state.codeVerifierCiphertext);
  } catch {
    // Its key was removed from CALENDLY_TOKEN_ENCRYPTION_KEYS meanwhile: start again.
    return failure(state.returnUrl, "authorization_failed");
  }
  let tokens: Awaited<ReturnType<CalendlyOAuthClient["exchangeCode"]>>;
  try {
    tokens = await ctx.metrics.time("calendly", "exchange_code", () =>
      oauth.exchangeCode({ code: query.code!, redirectUri: redirectUri(ctx.config), codeVerifier: verifier }),
    );
  } catch (error) {
    const reason = exchangeFailure(error);
    ctx.log.warn({ builderId: state.builderId, reason }, "Calendly authorization code not exchanged");
    return failure(state.returnUrl, reason);
  }
  const missing = REQUIRED_SCOPES.filter((s) => !tokens.scopes.includes(s));
  if (tokens.scopes.length > 0 && missing.length > 0) {
    await oauth.revoke(tokens.refreshToken).catch(() => {});
    ctx.log.warn({ builderId: state.builderId, missing }, "Calendly granted too few scopes");
    return failure(state.returnUrl, "scopes_missing");
  }
  let user: { uri: string; name: string; current_organization: string };
  try {
    const client = ctx.providers.calendlyWith({ token: async () => tokens.accessToken });
    user = await ctx.metrics.time("calendly", "get_current_user", () => client.getCurrentUser());
  } catch (error) {
    return failure(state.returnUrl, exchangeFailure(error));
  }
  const now = new Date();
  // A reconnect replaces a live grant: the old one is revoked once the new one is stored.
  const previous = await ctx.prisma.calendlyConnection.findUnique({ where: { builderId: state.builderId } });
  const builder = await ctx.prisma.$transaction(async (tx) => {
    const fields = {
      ...sealTokens(ctx, state.builderId, tokens),
      calendlyUserUri: user.uri,
      calendlyUserName: user.name,
      calendlyOrganizationUri: tokens.organization || user.current_organization,
      status: "CONNECTED" as const,
      statusReason: null,
      connectedAt: now,
      refreshedAt: null,
      disconnectedAt: null,
    };
    await tx.calendlyConnection.upsert({
      where: { builderId: state.builderId },
      create: { builderId: state.builderId, ...fields },
      update: fields,
    });
    return tx.builder.update({
      where: { id: state.builderId },
      // The event types, and so the bookings, are this user's from now on.
      data: { calendlyConnectionStatus: "CONNECTED", calendlyUserUri: user.uri },
    });
  });
  ctx.log.info({ builderId: builder.id }, "builder connected their Calendly");
  if (previous?.status === "CONNECTED") {
    try {
      await oauth.revoke(openToken(ctx, previous, "refresh"));
    } catch (error) {
      ctx.log.warn({ builderId: builder.id, err: error }, "the replaced Calendly grant was not revoked");
    }
  }
  const webhook = await ensureSubscription(ctx, builder).catch((error) => {
    ctx.log.warn({ builderId: builder.id, err: error }, "webhook subscription not created; the health check retries");
    return "failed";
  });
  return {
    redirect: returnUrlWith(state.returnUrl, { calendly: "connected", ...(webhook === "failed" ? { webhook } : {}) }),
  };
}

/**
 * Disconnects a builder's Calendly: deletes their webhook subscription, revokes the tokens, and
 * leaves the builder unavailable until they connect again. Calendly's failures do not stop it:
 * the tokens are dropped here whatever Calendly answered.
 */
export async function disconnect(ctx: DomainContext, ref: string): Promise<string> {
  const builder = await findBuilder(ctx, ref);
  const row = await ctx.prisma.calendlyConnection.findUnique({ where: { builderId: builder.id } });
  if (row?.status !== "CONNECTED") {
    throw notFound("calendly_not_connected", `builder: ${builder.name} has no Calendly connection`);
  }
  if (row.webhookSubscriptionUri) {
    await calendlyFor(ctx, builder)
      .deleteWebhookSubscription(row.webhookSubscriptionUri)
      .catch((error) => ctx.log.warn({ builderId: builder.id, err: error }, "webhook subscription not deleted"));
  }
  const oauth = ctx.providers.calendlyOAuth;
  // Read again: a call above may have refreshed the tokens.
  const latest = await ctx.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  if (oauth && latest.status === "CONNECTED") {
    for (const which of ["refresh", "access"] as const) {
      try {
        await oauth.revoke(openToken(ctx, latest, which));
      } catch (error) {
        ctx.log.warn({ builderId: builder.id, err: error }, `Calendly ${which} token not revoked`);
      }
    }
  }
  await ctx.prisma.$transaction((tx) => markDisconnected(ctx, builder.id, "disconnected_by_partner", tx));
  ctx.metrics.calendlyDisconnections.inc({ reason: "disconnected_by_partner" });
  return builder.id;
}
