// Calendly's OAuth 2.1 authorization server (https://auth.calendly.com; the sandbox's in sandbox
// mode): the authorize URL (authorization code + PKCE S256), the token endpoint (HTTP Basic client
// credentials, form-encoded; codes and refresh tokens are single use) and revocation.
import { createHash, randomBytes } from "node:crypto";

/** What the token endpoint answers, as the service keeps it. */
export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scopes: string[];
  /** The user URI the token acts for. */
  owner: string;
  organization: string;
}

/**
 * `code` is the OAuth error (`invalid_grant`: the code or refresh token was used, expired or
 * revoked; `invalid_client`; `invalid_request`) or, without an answer, `unavailable`.
 */
export class CalendlyOAuthError extends Error {
  override readonly name = "CalendlyOAuthError";
  constructor(
    readonly code: string,
    readonly status: number | null,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** The grant is gone for good: reconnecting is the only way back. */
  get rejected(): boolean {
    return this.code === "invalid_grant";
  }
}

export interface CalendlyOAuthOptions {
  authBase: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface CalendlyOAuthClient {
  authorizeUrl(input: { redirectUri: string; state: string; codeChallenge: string }): string;
  exchangeCode(input: { code: string; redirectUri: string; codeVerifier: string }): Promise<OAuthTokens>;
  /** Single use: the answer's refresh token replaces the one sent, which is dead from now on. */
  refresh(refreshToken: string): Promise<OAuthTokens>;
  revoke(token: string): Promise<void>;
}

/** A PKCE verifier (43 characters of base64url) and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export function createCalendlyOAuthClient(options: CalendlyOAuthOptions): CalendlyOAuthClient {
  const base = options.authBase.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64")}`;

  async function post(path: string, form: Record<string, string>, withBasic: boolean): Promise<unknown> {
    let res: Response;
    let text: string;
    try {
      res = await doFetch(`${base}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          ...(withBasic ? { authorization: basic } : {}),
        },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (cause) {
      const why = cause instanceof Error && cause.name === "TimeoutError" ? "did not answer in time" : "is unreachable";
      throw new CalendlyOAuthError("unavailable", null, `Calendly's authorization server ${why}`);
    }
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // A body that is not JSON: judged by its status alone.
    }
    if (res.ok) return json;
    const code =
      res.status === 429
        ? "rate_limited"
        : typeof json.error === "string"
          ? json.error
          : res.status >= 500
            ? "unavailable"
            : "invalid_request";
    const reset = Number(res.headers.get("x-ratelimit-reset") ?? res.headers.get("retry-after"));
    throw new CalendlyOAuthError(
      code,
      res.status,
      typeof json.error_description === "string" ? json.error_description : `Calendly answered ${res.status}`,
      Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined,
    );
  }

  function tokensFrom(json: unknown): OAuthTokens {
    const t = json as Record<string, unknown>;
    const str = (k: string) => (typeof t[k] === "string" ? (t[k] as string) : "");
    if (!str("access_token") || !str("refresh_token") || !str("owner")) {
      throw new CalendlyOAuthError("invalid_response", 200, "Calendly's token answer lacks a token or its owner");
    }
    const expiresIn = typeof t.expires_in === "number" ? t.expires_in : 7200;
    const createdAt = typeof t.created_at === "number" ? t.created_at * 1000 : Date.now();
    return {
      accessToken: str("access_token"),
      refreshToken: str("refresh_token"),
      // Counted from our clock when Calendly's is ahead: never later than it says.
      expiresAt: new Date(Math.min(createdAt, Date.now()) + expiresIn * 1000),
      scopes: str("scope").split(/\s+/).filter(Boolean),
      owner: str("owner"),
      organization: str("organization"),
    };
  }

  return {
    authorizeUrl({ redirectUri, state, codeChallenge }) {
      const url = new URL(`${base}/oauth/authorize`);
      url.searchParams.set("client_id", options.clientId);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("code_challenge_method", "S256");
      url.searchParams.set("code_challenge", codeChallenge);
      url.searchParams.set("state", state);
      return url.toString();
    },
    async exchangeCode({ code, redirectUri, codeVerifier }) {
      return tokensFrom(
        await post(
          "/oauth/token",
          { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: codeVerifier },
          true,
        ),
      );
    },
    async refresh(refreshToken) {
      return tokensFrom(await post("/oauth/token", { grant_type: "refresh_token", refresh_token: refreshToken }, true));
    },
    async revoke(token) {
      await post("/oauth/revoke", { client_id: options.clientId, client_secret: options.clientSecret, token }, false);
    },
  };
}
