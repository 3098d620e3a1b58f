// Partner secret API keys: `baw_sk_<prefix>_<secret>`. The prefix is public (a unique lookup
// column); only the SHA-256 of the secret is stored, and it is compared in constant time.
import { randomBytes, randomInt } from "node:crypto";
import { z } from "zod";
import type { PartnerKey, PrismaClient } from "../generated/prisma/client.js";
import { unauthorized } from "../lib/errors.js";
import { matchesHash, sha256 } from "../lib/ids.js";

export const PARTNER_SCOPES = ["builders:read", "builders:write", "bookings:read", "bookings:write"] as const;
export type PartnerScope = (typeof PARTNER_SCOPES)[number];
export const PartnerScopeSchema = z.enum(PARTNER_SCOPES);

export const KEY_PREFIX = "baw_sk_";
const PREFIX_LENGTH = 8;
const SECRET_BYTES = 32;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** baw_sk_ + 8 base62 + _ + base64url secret (43 chars for 32 bytes). */
const KEY_PATTERN = /^baw_sk_([0-9A-Za-z]{8})_([A-Za-z0-9_-]{43,128})$/;
/** How often `lastUsedAt` is written for one key, at most. */
export const LAST_USED_RESOLUTION_MS = 60_000;
/** Hash compared against when the prefix is unknown, so both paths do the same work. */
const DUMMY_HASH = sha256("baw-partner-key-not-found");

/** Random base62 characters without modulo bias. */
export function randomBase62(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}

export interface GeneratedKey {
  /** The full key, shown to the partner exactly once. */
  key: string;
  prefix: string;
  secretHash: string;
}

export function generatePartnerKey(): GeneratedKey {
  const prefix = randomBase62(PREFIX_LENGTH);
  const secret = randomBytes(SECRET_BYTES).toString("base64url");
  return { key: `${KEY_PREFIX}${prefix}_${secret}`, prefix, secretHash: sha256(secret) };
}

/** Splits a presented key into its lookup prefix and secret; undefined when it is not key-shaped. */
export function parsePartnerKey(raw: string): { prefix: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(raw);
  if (!match) return undefined;
  return { prefix: match[1]!, secret: match[2]! };
}

/** The bearer token of an `Authorization` header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header?.trim()) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header.trim());
  return match ? match[1] : "";
}

export interface IssueInput {
  name: string;
  scopes: readonly PartnerScope[];
  returnUrlAllowlist?: readonly string[];
}

/** Creates a key and returns its one-time plaintext alongside the stored row. */
export async function issuePartnerKey(
  prisma: PrismaClient,
  input: IssueInput,
): Promise<{ key: string; record: PartnerKey }> {
  for (let attempt = 0; ; attempt++) {
    const generated = generatePartnerKey();
    try {
      const record = await prisma.partnerKey.create({
        data: {
          name: input.name,
          prefix: generated.prefix,
          secretHash: generated.secretHash,
          scopes: [...new Set(input.scopes)],
          returnUrlAllowlist: [...(input.returnUrlAllowlist ?? [])],
        },
      });
      return { key: generated.key, record };
    } catch (error) {
      // 62^8 prefixes make a collision rare; retry a couple of times on the unique index.
      if ((error as { code?: string }).code === "P2002" && attempt < 3) continue;
      throw error;
    }
  }
}

const REQUIRED = "Authorization: a partner secret key is required (Authorization: Bearer baw_sk_…)";
const INVALID = "Authorization: this is not a valid partner secret key";

/**
 * Resolves the key an `Authorization` header presents. Throws 401 `partner_key_required`,
 * `partner_key_invalid` or `partner_key_revoked`. Revocation is only revealed to a caller who
 * holds the right secret.
 */
export async function verifyPartnerKey(prisma: PrismaClient, authorization: string | undefined): Promise<PartnerKey> {
  const token = bearerToken(authorization);
  if (token === undefined) throw unauthorized("partner_key_required", REQUIRED);
  const parsed = parsePartnerKey(token);
  if (!parsed) throw unauthorized("partner_key_invalid", `${INVALID} (expected baw_sk_<prefix>_<secret>)`);
  const key = await prisma.partnerKey.findUnique({ where: { prefix: parsed.prefix } });
  const matches = matchesHash(parsed.secret, key?.secretHash ?? DUMMY_HASH);
  if (!key || !matches) throw unauthorized("partner_key_invalid", INVALID);
  if (key.revokedAt) {
    throw unauthorized(
      "partner_key_revoked",
      `Authorization: this partner key was revoked on ${key.revokedAt.toISOString()}`,
    );
  }
  return key;
}

export function hasScope(key: Pick<PartnerKey, "scopes">, scope: PartnerScope): boolean {
  return key.scopes.includes(scope);
}

/**
 * Records that a key was used, writing at most once per minute per key: nothing is written
 * when the loaded row is recent, and the conditional update keeps concurrent requests and
 * several instances from writing twice. Returns whether this call wrote.
 */
export async function touchPartnerKey(
  prisma: PrismaClient,
  key: Pick<PartnerKey, "id" | "lastUsedAt">,
  now: Date = new Date(),
): Promise<boolean> {
  const threshold = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  if (key.lastUsedAt && key.lastUsedAt > threshold) return false;
  const updated = await prisma.partnerKey.updateMany({
    where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: threshold } }] },
    data: { lastUsedAt: now },
  });
  return updated.count === 1;
}

export type PartnerKeySummary = Omit<PartnerKey, "secretHash">;

/** Every key without its hash, newest first: what listings may show. */
export async function listPartnerKeys(prisma: PrismaClient): Promise<PartnerKeySummary[]> {
  return prisma.partnerKey.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    omit: { secretHash: true },
  });
}

/** Revokes a key by prefix. Returns undefined when no key has it; an already revoked key keeps its date. */
export async function revokePartnerKey(
  prisma: PrismaClient,
  prefix: string,
  now: Date = new Date(),
): Promise<{ key: PartnerKeySummary; alreadyRevoked: boolean } | undefined> {
  const updated = await prisma.partnerKey.updateMany({ where: { prefix, revokedAt: null }, data: { revokedAt: now } });
  const key = await prisma.partnerKey.findUnique({ where: { prefix }, omit: { secretHash: true } });
  if (!key) return undefined;
  return { key, alreadyRevoked: updated.count === 0 };
}
