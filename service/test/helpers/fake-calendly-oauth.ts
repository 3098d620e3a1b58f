// Driving the fake Calendly's OAuth server over HTTP as a browser and an app would: the consent
// page (GET, then the form's POST), the token endpoint with Basic client credentials, the API.
import { createHash, randomBytes } from "node:crypto";
import { type FakeCalendly, sandboxUsers, startFakeCalendly } from "@baw/sandbox";

export const CLIENT_ID = "test-client";
export const CLIENT_SECRET = "test-secret";
export const APP_KEY = "app-signing-key";
export const PAT = "personal-token";
export const REDIRECT = "http://127.0.0.1:9/oauth/calendly/callback";
export const LIAM_UUID = "11111111-1111-4111-8111-111111111111";
export const LIAM_EVENT_TYPE = "11111111-1111-4111-8111-1111111111e1";
export const ADA_EVENT_TYPE = sandboxUsers[0]!.eventTypes[0]!.uuid!;

export function startOAuthFake(extra: Partial<Parameters<typeof startFakeCalendly>[0]> = {}): Promise<FakeCalendly> {
  return startFakeCalendly({
    token: PAT,
    webhookSigningKey: "pat-signing-key",
    webhookRetryDelaysMs: [10, 10],
    eventTypes: [
      {
        userUuid: LIAM_UUID,
        userSlug: "liam",
        userName: "Liam",
        userEmail: "liam@example.test",
        eventTypeUuid: LIAM_EVENT_TYPE,
        slug: "build-session",
        name: "Build session",
        durationMinutes: 60,
      },
    ],
    users: sandboxUsers,
    oauth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, signingKey: APP_KEY, redirectUris: [REDIRECT] },
    ...extra,
  });
}

export function basic(id = CLIENT_ID, secret = CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export function authorizeUrl(fake: FakeCalendly, params: Record<string, string | undefined> = {}): string {
  const url = new URL(`${fake.authBase}/oauth/authorize`);
  const all: Record<string, string | undefined> = {
    client_id: CLIENT_ID,
    response_type: "code",
    redirect_uri: REDIRECT,
    state: "state-123",
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** The consent page's hidden request id. */
export function requestId(html: string): string {
  const match = /name="request" value="([^"]+)"/.exec(html);
  if (!match) throw new Error("no authorization request on the page");
  return match[1]!;
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** Opens the consent page, signs in as `userUuid` and allows: the code the redirect carries. */
export async function consentOverHttp(
  fake: FakeCalendly,
  userUuid: string,
  params: Record<string, string | undefined> = {},
): Promise<string> {
  const page = await fetch(authorizeUrl(fake, params), { redirect: "manual" });
  if (page.status !== 200) throw new Error(`authorize page: ${page.status}`);
  const res = await postForm(`${fake.authBase}/oauth/authorize`, {
    request: requestId(await page.text()),
    user: userUuid,
    decision: "allow",
  });
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) throw new Error(`consent: ${res.status}`);
  const code = new URL(location).searchParams.get("code");
  if (!code) throw new Error(`consent: no code in ${location}`);
  return code;
}

export interface TokenBody {
  token_type: string;
  access_token: string;
  refresh_token: string;
  scope: string;
  created_at: number;
  expires_in: number;
  owner: string;
  organization: string;
}

export async function exchange(fake: FakeCalendly, form: Record<string, string>, authorization = basic()) {
  const res = await postForm(`${fake.authBase}/oauth/token`, form, authorization ? { authorization } : {});
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** Consent (through the fake's programmatic consent) and code exchange: a user's tokens. */
export async function tokensFor(
  fake: FakeCalendly,
  user: string,
  params: Record<string, string | undefined> = {},
): Promise<TokenBody> {
  const location = fake.consent(authorizeUrl(fake, params), { user });
  const code = new URL(location).searchParams.get("code")!;
  const res = await exchange(fake, { grant_type: "authorization_code", code, redirect_uri: REDIRECT });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as unknown as TokenBody;
}

export async function api(fake: FakeCalendly, token: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${fake.apiBase}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as any };
}
