// The fake's OAuth 2.0 authorization server, as Calendly runs it at https://auth.calendly.com:
// one registered app (client id and secret, exact redirect URIs, scopes, one webhook signing key),
// authorization codes (PKCE S256, single use, 10 minutes), access tokens (2 hours) and refresh
// tokens that are single use and rotate on every refresh. Errors are RFC 6749's
// `{error, error_description}`; the token endpoint allows 8 requests per user per minute.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Headers } from "./http.js";

/** The scopes the fake knows (Calendly's catalogue, the part this API serves). */
export const KNOWN_SCOPES = [
  "users:read",
  "organizations:read",
  "event_types:read",
  "scheduled_events:read",
  "scheduled_events:write",
  "webhooks:read",
  "webhooks:write",
] as const;

/** What the sandbox app is registered with unless told otherwise: every scope above. */
export const DEFAULT_APP_SCOPES: readonly string[] = KNOWN_SCOPES;

export const ACCESS_TOKEN_SECONDS = 7200;
export const CODE_SECONDS = 600;
/** Calendly: "Only 8 oauth tokens per user can be requested within a span of 1 minute". */
export const TOKEN_REQUESTS_PER_MINUTE = 8;

export interface OAuthAppConfig {
  clientId: string;
  clientSecret: string;
  /** The app's webhook signing key: every subscription created with its tokens is signed with it. */
  signingKey: string;
  /** Registered redirect URIs; a request's redirect_uri must equal one exactly. */
  redirectUris?: string[];
  /** Registered scopes. Default: DEFAULT_APP_SCOPES. */
  scopes?: string[];
  /** Shown on the consent page. */
  name?: string;
  /**
   * What a reused (already rotated) refresh token does besides failing with invalid_grant.
   * "fail" (default): nothing more, as Calendly documents; "revoke_grant": the whole grant (every
   * token issued from the same consent) is revoked too, as OAuth 2.1 recommends for reuse detection.
   */
  refreshReuse?: "fail" | "revoke_grant";
}

export interface OAuthResponse {
  status: number;
  body?: unknown;
  headers?: Headers;
}

export interface TokenRequestLogEntry {
  at: string;
  grantType: string | null;
  /** The user the request was for (code or refresh token known), else null. */
  userUri: string | null;
  status: number;
  error?: string;
}

/** An authorization request that passed the checks and waits for the user's decision. */
export interface PendingAuthorization {
  id: string;
  clientId: string;
  redirectUri: string;
  state: string | null;
  scopes: string[];
  codeChallenge: string | null;
  expiresAt: number;
}

export type AuthorizeOutcome =
  | { kind: "error_page"; status: 400; title: string; message: string }
  | { kind: "redirect"; location: string }
  | { kind: "consent"; request: PendingAuthorization };

export type TokenCheck =
  | { ok: true; userUuid: string; scopes: string[]; grantId: string }
  | { ok: false; reason: "unknown" | "expired" | "revoked" };

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  userUuid: string;
  scopes: string[];
  codeChallenge: string | null;
  expiresAt: number;
  used: boolean;
  /** The grant its exchange created, revoked if the code is presented again. */
  grantId: string | null;
}

interface GrantRecord {
  id: string;
  clientId: string;
  userUuid: string;
  scopes: string[];
  revoked: boolean;
}

interface AccessTokenRecord {
  grantId: string;
  issuedAt: number;
  expiresAt: number;
}

interface RefreshTokenRecord {
  grantId: string;
  issuedAt: number;
  used: boolean;
}

/** The time the OAuth server lives by; tests move it forward instead of waiting. */
export class OAuthClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("advanceClock: ms must be a non-negative number");
    this.offsetMs += ms;
  }
}

const DESCRIPTIONS = {
  invalid_client:
    "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
  invalid_grant:
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
  unsupported_grant_type: "The authorization grant type is not supported by the authorization server.",
  invalid_scope: "The requested scope is invalid, unknown, or malformed.",
  access_denied: "The resource owner or authorization server denied the request.",
  unsupported_response_type: "The authorization server does not support this response type.",
} as const;

function error(status: number, code: string, description: string, headers: Headers = {}): OAuthResponse {
  return { status, body: { error: code, error_description: description }, headers };
}

const PKCE_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

function token(): string {
  return randomBytes(32).toString("base64url");
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `granted` covers `needed`: the scope itself, or the `:write` of a `:read`. */
export function scopeCovers(granted: readonly string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  return needed.endsWith(":read") && granted.includes(`${needed.slice(0, -":read".length)}:write`);
}

function parseScopes(raw: string | null): string[] | undefined {
  if (raw === null || raw.trim() === "") return undefined;
  return [...new Set(raw.trim().split(/\s+/))];
}

export class OAuthServer {
  readonly app: Required<Omit<OAuthAppConfig, "refreshReuse">> & Pick<OAuthAppConfig, "refreshReuse">;
  readonly clock = new OAuthClock();
  readonly tokenLog: TokenRequestLogEntry[] = [];
  private readonly pending = new Map<string, PendingAuthorization>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly grants = new Map<string, GrantRecord>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** Per user: when its recent token requests came (ms), for the 8-per-minute limit. */
  private readonly tokenRequestTimes = new Map<string, number[]>();

  constructor(
    config: OAuthAppConfig,
    private readonly userUri: (userUuid: string) => string | undefined,
    private readonly organizationUri: (userUuid: string) => string | undefined,
  ) {
    if (!config.clientId || !config.clientSecret) throw new Error("OAuth app: clientId and clientSecret are required");
    const scopes = config.scopes ?? [...DEFAULT_APP_SCOPES];
    for (const scope of scopes) {
      if (!(KNOWN_SCOPES as readonly string[]).includes(scope)) throw new Error(`OAuth app: unknown scope ${scope}`);
    }
    this.app = {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      signingKey: config.signingKey,
      redirectUris: [],
      scopes,
      name: config.name ?? "Sandbox app",
      refreshReuse: config.refreshReuse ?? "fail",
    };
    this.setRedirectUris(config.redirectUris ?? []);
  }

  setRedirectUris(uris: string[]): void {
    for (const uri of uris) {
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        throw new Error(`OAuth app: redirect URI ${uri} is not a URL`);
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new Error(`OAuth app: redirect URI ${uri} must be http(s)`);
      }
      if (url.hash) throw new Error(`OAuth app: redirect URI ${uri} must not have a fragment`);
    }
    this.app.redirectUris = [...uris];
  }

  // ---------------------------------------------------------------- authorize

  /** GET /oauth/authorize: checks the request; an error page when the client or redirect URI is wrong. */
  authorize(query: URLSearchParams): AuthorizeOutcome {
    const clientId = query.get("client_id");
    const redirectUri = query.get("redirect_uri");
    if (!clientId || clientId !== this.app.clientId) {
      return {
        kind: "error_page",
        status: 400,
        title: "Unknown client",
        message: "Client authentication failed: the client_id is missing or not a registered application.",
      };
    }
    if (!redirectUri || !this.app.redirectUris.includes(redirectUri)) {
      return {
        kind: "error_page",
        status: 400,
        title: "Invalid redirect URI",
        message:
          "The redirect_uri is missing or does not exactly match a redirect URI registered for this application.",
      };
    }
    const state = query.get("state");
    const fail = (code: string, description: string): AuthorizeOutcome => ({
      kind: "redirect",
      location: this.redirect(redirectUri, { error: code, error_description: description, state }),
    });
    if (query.get("response_type") !== "code") {
      return fail("unsupported_response_type", DESCRIPTIONS.unsupported_response_type);
    }
    const challenge = query.get("code_challenge");
    const method = query.get("code_challenge_method");
    if (challenge !== null || method !== null) {
      if (method !== "S256") return fail("invalid_request", "code_challenge_method must be S256.");
      if (!challenge || !PKCE_PATTERN.test(challenge)) {
        return fail("invalid_request", "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~].");
      }
    }
    const requested = parseScopes(query.get("scope"));
    if (requested?.some((s) => !this.app.scopes.some((have) => scopeCovers([have], s)))) {
      return fail("invalid_scope", DESCRIPTIONS.invalid_scope);
    }
    this.forgetExpired();
    const request: PendingAuthorization = {
      id: randomUUID(),
      clientId,
      redirectUri,
      state,
      scopes: requested ?? [...this.app.scopes],
      codeChallenge: challenge,
      expiresAt: this.clock.now() + CODE_SECONDS * 1000,
    };
    this.pending.set(request.id, request);
    return { kind: "consent", request };
  }

  /** Drops consent requests and codes past their 10 minutes (a used code is kept: its reuse revokes). */
  private forgetExpired(): void {
    const now = this.clock.now();
    for (const [id, request] of this.pending) if (request.expiresAt <= now) this.pending.delete(id);
    for (const [code, record] of this.codes) if (!record.used && record.expiresAt <= now) this.codes.delete(code);
  }

  pendingRequest(id: string): PendingAuthorization | undefined {
    const request = this.pending.get(id);
    if (request && request.expiresAt <= this.clock.now()) {
      this.pending.delete(id);
      return undefined;
    }
    return request;
  }

  /** The user's answer on the consent page: a redirect with a code, or with error=access_denied. */
  decide(requestId: string, decision: { allow: true; userUuid: string } | { allow: false }): string {
    const request = this.pendingRequest(requestId);
    if (!request) throw new Error("unknown or expired authorization request");
    this.pending.delete(requestId);
    if (!decision.allow) {
      return this.redirect(request.redirectUri, {
        error: "access_denied",
        error_description: DESCRIPTIONS.access_denied,
        state: request.state,
      });
    }
    if (!this.userUri(decision.userUuid)) throw new Error(`no sandbox user ${decision.userUuid}`);
    const code = randomBytes(32).toString("hex");
    this.codes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      userUuid: decision.userUuid,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge,
      expiresAt: this.clock.now() + CODE_SECONDS * 1000,
      used: false,
      grantId: null,
    });
    return this.redirect(request.redirectUri, { code, state: request.state });
  }

  private redirect(base: string, params: Record<string, string | null>): string {
    const url = new URL(base);
    for (const [key, value] of Object.entries(params)) if (value !== null) url.searchParams.set(key, value);
    return url.toString();
  }

  // ---------------------------------------------------------------- client authentication

  private client(form: URLSearchParams, authorization: string | undefined): OAuthResponse | undefined {
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = authorization ? /^Basic\s+(\S+)\s*$/i.exec(authorization) : null;
    const challenge: Headers = basic ? { "www-authenticate": 'Basic realm="Calendly"' } : {};
    const invalid = () => error(401, "invalid_client", DESCRIPTIONS.invalid_client, challenge);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return invalid();
      let basicId: string;
      let basicSecret: string;
      try {
        basicId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
        basicSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "));
      } catch {
        return invalid();
      }
      if ((id !== null && id !== basicId) || (secret !== null && secret !== basicSecret)) return invalid();
      id = basicId;
      secret = basicSecret;
    }
    if (!id || !secret || id !== this.app.clientId || !sameSecret(secret, this.app.clientSecret)) return invalid();
    return undefined;
  }

  // ---------------------------------------------------------------- token endpoint

  /** POST /oauth/token with its form body and Authorization header. */
  token(form: URLSearchParams, authorization: string | undefined): OAuthResponse {
    const grantType = form.get("grant_type");
    let userUuid: string | null = null;
    const done = (response: OAuthResponse): OAuthResponse => {
      const entry: TokenRequestLogEntry = {
        at: new Date(this.clock.now()).toISOString(),
        grantType,
        userUri: userUuid ? (this.userUri(userUuid) ?? null) : null,
        status: response.status,
      };
      const body = response.body as { error?: string } | undefined;
      if (body?.error) entry.error = body.error;
      this.tokenLog.push(entry);
      response.headers = { ...response.headers, "cache-control": "no-store", pragma: "no-cache" };
      return response;
    };
    const rejected = this.client(form, authorization);
    if (rejected) return done(rejected);
    if (!grantType) return done(error(400, "invalid_request", "Missing required parameter: grant_type."));

    if (grantType === "authorization_code") {
      const code = form.get("code");
      const redirectUri = form.get("redirect_uri");
      if (!code) return done(error(400, "invalid_request", "Missing required parameter: code."));
      if (!redirectUri) return done(error(400, "invalid_request", "Missing required parameter: redirect_uri."));
      const record = this.codes.get(code);
      if (record) userUuid = record.userUuid;
      if (record && this.overLimit(record.userUuid)) return done(this.tooMany());
      if (!record || record.clientId !== this.app.clientId) return done(this.invalidGrant());
      if (record.used) {
        // RFC 6749 §4.1.2: a code presented twice revokes what its first exchange issued.
        if (record.grantId) this.revokeGrant(record.grantId);
        return done(this.invalidGrant());
      }
      if (record.expiresAt <= this.clock.now() || record.redirectUri !== redirectUri) {
        return done(this.invalidGrant());
      }
      if (record.codeChallenge !== null) {
        const verifier = form.get("code_verifier");
        if (!verifier || !PKCE_PATTERN.test(verifier))
          return done(this.invalidGrant("code_verifier is missing or malformed."));
        const computed = createHash("sha256").update(verifier).digest("base64url");
        if (computed !== record.codeChallenge)
          return done(this.invalidGrant("code_verifier does not match the code_challenge."));
      }
      record.used = true;
      const grant: GrantRecord = {
        id: randomUUID(),
        clientId: record.clientId,
        userUuid: record.userUuid,
        scopes: record.scopes,
        revoked: false,
      };
      this.grants.set(grant.id, grant);
      record.grantId = grant.id;
      return done(this.issue(grant));
    }

    if (grantType === "refresh_token") {
      const presented = form.get("refresh_token");
      if (!presented) return done(error(400, "invalid_request", "Missing required parameter: refresh_token."));
      const record = this.refreshTokens.get(presented);
      const grant = record && this.grants.get(record.grantId);
      if (grant) userUuid = grant.userUuid;
      if (grant && this.overLimit(grant.userUuid)) return done(this.tooMany());
      if (!record || !grant || grant.clientId !== this.app.clientId || grant.revoked) return done(this.invalidGrant());
      if (record.used) {
        if (this.app.refreshReuse === "revoke_grant") this.revokeGrant(grant.id);
        return done(this.invalidGrant("The refresh token has already been used."));
      }
      const requested = parseScopes(form.get("scope"));
      if (requested?.some((s) => !scopeCovers(grant.scopes, s))) {
        return done(error(400, "invalid_scope", DESCRIPTIONS.invalid_scope));
      }
      record.used = true;
      return done(this.issue(grant, requested));
    }

    return done(error(400, "unsupported_grant_type", DESCRIPTIONS.unsupported_grant_type));
  }

  private invalidGrant(detail?: string): OAuthResponse {
    return error(400, "invalid_grant", detail ? `${DESCRIPTIONS.invalid_grant} ${detail}` : DESCRIPTIONS.invalid_grant);
  }

  private tooMany(): OAuthResponse {
    return error(
      429,
      "too_many_requests",
      `Only ${TOKEN_REQUESTS_PER_MINUTE} OAuth tokens per user can be requested within a span of 1 minute.`,
      { "retry-after": 60 },
    );
  }

  /** Counts a token request for this user; true when it is over Calendly's 8 per minute. */
  private overLimit(userUuid: string): boolean {
    const now = this.clock.now();
    const recent = (this.tokenRequestTimes.get(userUuid) ?? []).filter((t) => now - t < 60_000);
    const limited = recent.length >= TOKEN_REQUESTS_PER_MINUTE;
    if (!limited) recent.push(now);
    this.tokenRequestTimes.set(userUuid, recent);
    return limited;
  }

  private issue(grant: GrantRecord, scopes: string[] = grant.scopes): OAuthResponse {
    const now = this.clock.now();
    const access = token();
    const refresh = token();
    this.accessTokens.set(access, { grantId: grant.id, issuedAt: now, expiresAt: now + ACCESS_TOKEN_SECONDS * 1000 });
    this.refreshTokens.set(refresh, { grantId: grant.id, issuedAt: now, used: false });
    return {
      status: 200,
      body: {
        token_type: "Bearer",
        access_token: access,
        refresh_token: refresh,
        scope: scopes.join(" "),
        created_at: Math.floor(now / 1000),
        expires_in: ACCESS_TOKEN_SECONDS,
        owner: this.userUri(grant.userUuid),
        organization: this.organizationUri(grant.userUuid),
      },
    };
  }

  // ---------------------------------------------------------------- revocation

  /** POST /oauth/revoke: revokes the grant the token belongs to (its access and refresh tokens). */
  revoke(form: URLSearchParams, authorization: string | undefined): OAuthResponse {
    const rejected = this.client(form, authorization);
    if (rejected) return rejected;
    const presented = form.get("token");
    if (!presented) return error(400, "invalid_request", "Missing required parameter: token.");
    const grantId = this.accessTokens.get(presented)?.grantId ?? this.refreshTokens.get(presented)?.grantId;
    const grant = grantId ? this.grants.get(grantId) : undefined;
    // RFC 7009 §2.2: an unknown token is no error.
    if (!grant) return { status: 200, body: {} };
    if (grant.clientId !== this.app.clientId) {
      return error(403, "unauthorized_client", "You are not authorized to revoke this token.");
    }
    this.revokeGrant(grant.id);
    return { status: 200, body: {} };
  }

  /** POST /oauth/introspect (RFC 7662): whether a token is active, and what it is for. */
  introspect(form: URLSearchParams, authorization: string | undefined): OAuthResponse {
    const rejected = this.client(form, authorization);
    if (rejected) return rejected;
    const presented = form.get("token");
    if (!presented) return error(400, "invalid_request", "Missing required parameter: token.");
    const now = this.clock.now();
    const access = this.accessTokens.get(presented);
    const refresh = access ? undefined : this.refreshTokens.get(presented);
    const record = access ?? refresh;
    const grant = record && this.grants.get(record.grantId);
    const active =
      grant !== undefined &&
      !grant.revoked &&
      grant.clientId === this.app.clientId &&
      (access ? access.expiresAt > now : refresh?.used === false);
    if (!active || !record) return { status: 200, body: { active: false } };
    const body: Record<string, unknown> = {
      active: true,
      scope: grant.scopes.join(" "),
      client_id: grant.clientId,
      token_type: access ? "Bearer" : "refresh_token",
      iat: Math.floor(record.issuedAt / 1000),
      owner: this.userUri(grant.userUuid),
      organization: this.organizationUri(grant.userUuid),
    };
    if (access) body.exp = Math.floor(access.expiresAt / 1000);
    return { status: 200, body };
  }

  private revokeGrant(id: string): void {
    const grant = this.grants.get(id);
    if (grant) grant.revoked = true;
  }

  // ---------------------------------------------------------------- API access

  /** Whether an API Bearer token is one of this server's live access tokens, and whose. */
  check(accessToken: string): TokenCheck {
    const record = this.accessTokens.get(accessToken);
    const grant = record && this.grants.get(record.grantId);
    if (!record || !grant) return { ok: false, reason: "unknown" };
    if (grant.revoked) return { ok: false, reason: "revoked" };
    if (record.expiresAt <= this.clock.now()) return { ok: false, reason: "expired" };
    return { ok: true, userUuid: grant.userUuid, scopes: grant.scopes, grantId: grant.id };
  }

  // ---------------------------------------------------------------- test controls

  /** Revokes every grant of a user, as when they remove the app in Calendly. Returns how many. */
  revokeUser(userUuid: string): number {
    let count = 0;
    for (const grant of this.grants.values()) {
      if (grant.userUuid === userUuid && !grant.revoked) {
        grant.revoked = true;
        count++;
      }
    }
    return count;
  }

  /** Makes every live access token (of one user, or all) expired now. Returns how many. */
  expireAccessTokens(userUuid?: string): number {
    const now = this.clock.now();
    let count = 0;
    for (const record of this.accessTokens.values()) {
      const grant = this.grants.get(record.grantId);
      if (record.expiresAt <= now || (userUuid && grant?.userUuid !== userUuid)) continue;
      record.expiresAt = now;
      count++;
    }
    return count;
  }

  /** Whether the user has a grant that is not revoked. */
  connected(userUuid: string): boolean {
    for (const grant of this.grants.values()) if (grant.userUuid === userUuid && !grant.revoked) return true;
    return false;
  }
}
