// The "Become a builder" visitor's session: which builder they are onboarding, and the token
// their forms must carry. Kept in the demo's memory behind a random cookie (HttpOnly,
// SameSite=Lax: sent on the top-level GET back from Calendly's consent page, never on another
// site's POST). A POST must also come from the marketplace's own origin and carry the session's
// token, so a form on another site can't act for the visitor.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { parse, serialize } from "cookie";

export interface OnboardingSession {
  readonly id: string;
  /** The token every form of this session carries (a hidden `csrf` field). */
  readonly csrf: string;
  /** The builder this visitor created, once they have. */
  builderId?: string;
  lastSeen: number;
}

export interface SessionOptions {
  /** Cookie `Secure` attribute: true when the marketplace is served over HTTPS. */
  secure: () => boolean;
  /** Idle time after which a session is forgotten (default 2 hours). */
  ttlMs?: number;
  /** Most sessions kept; the least recently seen go first (default 10,000). */
  max?: number;
  now?: () => number;
}

export const SESSION_COOKIE = "baw_onboarding";
export const SESSION_PATH = "/become-a-builder";

const token = () => randomBytes(32).toString("base64url");

export class OnboardingSessions {
  private readonly sessions = new Map<string, OnboardingSession>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(private readonly options: SessionOptions) {
    this.ttlMs = options.ttlMs ?? 2 * 60 * 60_000;
    this.max = options.max ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The request's live session, if its cookie names one. */
  find(req: IncomingMessage): OnboardingSession | undefined {
    const id = parse(req.headers.cookie ?? "")[SESSION_COOKIE];
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.now() - session.lastSeen > this.ttlMs) {
      this.sessions.delete(id);
      return undefined;
    }
    // Re-inserted so the map's order stays least recently seen first.
    this.sessions.delete(id);
    session.lastSeen = this.now();
    this.sessions.set(id, session);
    return session;
  }

  /** The request's session, or a new one with the `set-cookie` header that starts it. */
  resolve(req: IncomingMessage): { session: OnboardingSession; setCookie?: string } {
    const found = this.find(req);
    if (found) return { session: found };
    const session: OnboardingSession = { id: token(), csrf: token(), lastSeen: this.now() };
    this.sessions.set(session.id, session);
    while (this.sessions.size > this.max) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    const setCookie = serialize(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: "lax",
      secure: this.options.secure(),
      path: SESSION_PATH,
      maxAge: Math.floor(this.ttlMs / 1000),
    });
    return { session, setCookie };
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** True when `given` is the session's form token (compared in constant time). */
export function validCsrf(session: OnboardingSession, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * True when a POST comes from one of `origins`: by its Origin header, which browsers send with
 * every form POST, else by Sec-Fetch-Site. A request with neither is refused.
 */
export function fromOwnOrigin(req: IncomingMessage, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) return origins.includes(origin);
  return req.headers["sec-fetch-site"] === "same-origin";
}
