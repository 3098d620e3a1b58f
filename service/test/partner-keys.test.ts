// Partner secret keys: format, storage (hash only), verification, throttled use tracking.
import t, { type Test } from "tap";
import { type Database, openDatabase } from "../src/db/database.js";
import {
  generatePartnerKey,
  issuePartnerKey,
  LAST_USED_RESOLUTION_MS,
  listPartnerKeys,
  parsePartnerKey,
  revokePartnerKey,
  touchPartnerKey,
  verifyPartnerKey,
} from "../src/domain/partner-keys.js";
import { AppError } from "../src/lib/errors.js";
import { sha256 } from "../src/lib/ids.js";
import { migratedTemplate } from "./helpers/pglite-template.js";

let db: Database;
t.before(async () => {
  db = await openDatabase({ kind: "pglite", dir: "memory://" }, { loadDataDir: await migratedTemplate() });
});
t.teardown(async () => db?.close());

async function rejectsWith(t: Test, promise: Promise<unknown>, status: number, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof AppError, `rejects with an AppError (${code})`);
  t.match(error, { statusCode: status, code });
}

t.test("key format: baw_sk_<8 base62>_<32-byte base64url secret>, hash of the secret only", async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const g = generatePartnerKey();
    t.match(g.key, /^baw_sk_[0-9A-Za-z]{8}_[A-Za-z0-9_-]{43}$/);
    t.equal(g.key.slice(7, 15), g.prefix);
    const parsed = parsePartnerKey(g.key);
    t.ok(parsed);
    t.equal(parsed?.prefix, g.prefix);
    t.equal(Buffer.from(parsed?.secret ?? "", "base64url").length, 32, "32 random bytes");
    t.equal(g.secretHash, sha256(parsed?.secret ?? ""), "stores sha256(secret)");
    seen.add(g.key);
    seen.add(g.prefix);
  }
  t.equal(seen.size, 100, "keys and prefixes do not repeat");
});

t.test("malformed keys do not parse", async (t) => {
  const good = generatePartnerKey().key;
  for (const bad of [
    "",
    good.slice(0, -1).slice(0, 40),
    good.replace("baw_sk_", "baw_pk_"),
    good.replace("baw_sk_", "sk_live_"),
    `baw_sk_short_${"a".repeat(43)}`,
    `baw_sk_abc!defg_${"a".repeat(43)}`,
    `${good} `,
    `${good}\n`,
    `baw_sk_ABCDEFGH_${"a".repeat(42)}`,
  ]) {
    t.equal(parsePartnerKey(bad), undefined, JSON.stringify(bad));
  }
});

t.test("the database never holds the secret", async (t) => {
  const { key, record } = await issuePartnerKey(db.prisma, {
    name: "Acme",
    scopes: ["bookings:read", "bookings:read", "builders:read"],
    returnUrlAllowlist: ["https://acme.example/booked"],
  });
  const secret = parsePartnerKey(key)!.secret;
  t.same(record.scopes, ["bookings:read", "builders:read"], "scopes deduplicated");
  t.equal(record.secretHash, sha256(secret));
  const { rows } = await db.sql.query<Record<string, unknown>>(`SELECT * FROM "PartnerKey"`);
  const dump = JSON.stringify(rows);
  t.notOk(dump.includes(secret), "no column holds the secret");
  t.notOk(dump.includes(key), "no column holds the key");
  const listed = JSON.stringify(await listPartnerKeys(db.prisma));
  t.ok(listed.includes(record.prefix));
  t.notOk(listed.includes(record.secretHash), "listings omit the hash");
  t.notOk(listed.includes("secretHash"));
});

t.test("verification: valid, missing, malformed, wrong secret, unknown prefix, revoked", async (t) => {
  const { key, record } = await issuePartnerKey(db.prisma, { name: "Verify", scopes: ["builders:read"] });
  const verified = await verifyPartnerKey(db.prisma, `Bearer ${key}`);
  t.equal(verified.id, record.id);
  t.equal((await verifyPartnerKey(db.prisma, `bearer  ${key}`)).id, record.id, "scheme is case-insensitive");

  await rejectsWith(t, verifyPartnerKey(db.prisma, undefined), 401, "partner_key_required");
  await rejectsWith(t, verifyPartnerKey(db.prisma, "  "), 401, "partner_key_required");
  await rejectsWith(t, verifyPartnerKey(db.prisma, `Basic ${key}`), 401, "partner_key_invalid");
  await rejectsWith(t, verifyPartnerKey(db.prisma, "Bearer"), 401, "partner_key_invalid");
  await rejectsWith(t, verifyPartnerKey(db.prisma, key), 401, "partner_key_invalid");
  const wrongSecret = `${key.slice(0, 16)}${generatePartnerKey().key.slice(16)}`;
  await rejectsWith(t, verifyPartnerKey(db.prisma, `Bearer ${wrongSecret}`), 401, "partner_key_invalid");
  const unknownPrefix = `baw_sk_ZZZZZZZZ_${key.slice(16)}`;
  await rejectsWith(t, verifyPartnerKey(db.prisma, `Bearer ${unknownPrefix}`), 401, "partner_key_invalid");

  const revoked = await revokePartnerKey(db.prisma, record.prefix);
  t.equal(revoked?.alreadyRevoked, false);
  await rejectsWith(t, verifyPartnerKey(db.prisma, `Bearer ${key}`), 401, "partner_key_revoked");
  // Revocation is only told to a holder of the secret.
  await rejectsWith(t, verifyPartnerKey(db.prisma, `Bearer ${wrongSecret}`), 401, "partner_key_invalid");

  const again = await revokePartnerKey(db.prisma, record.prefix);
  t.equal(again?.alreadyRevoked, true, "revoking twice is a no-op");
  t.same(again?.key.revokedAt, revoked?.key.revokedAt, "keeps the first revocation time");
  t.equal(await revokePartnerKey(db.prisma, "nosuchpf"), undefined);
});

t.test("lastUsedAt is written at most once a minute per key, even by concurrent requests", async (t) => {
  const { record } = await issuePartnerKey(db.prisma, { name: "Touch", scopes: ["builders:read"] });
  const t0 = new Date("2030-01-01T00:00:00.000Z");
  t.equal(await touchPartnerKey(db.prisma, record, t0), true, "first use writes");
  const row1 = await db.prisma.partnerKey.findUniqueOrThrow({ where: { id: record.id } });
  t.same(row1.lastUsedAt, t0);

  t.equal(await touchPartnerKey(db.prisma, row1, new Date(t0.getTime() + 30_000)), false, "30 s later: no write");
  // A stale snapshot (loaded before another request wrote) does not write twice either.
  t.equal(await touchPartnerKey(db.prisma, record, new Date(t0.getTime() + 30_000)), false, "stale snapshot: no write");
  const row2 = await db.prisma.partnerKey.findUniqueOrThrow({ where: { id: record.id } });
  t.same(row2.lastUsedAt, t0, "unchanged within the minute");

  const later = new Date(t0.getTime() + LAST_USED_RESOLUTION_MS + 1);
  const results = await Promise.all([1, 2, 3, 4].map(() => touchPartnerKey(db.prisma, row2, later)));
  t.equal(results.filter(Boolean).length, 1, "exactly one of four concurrent touches writes");
  const row3 = await db.prisma.partnerKey.findUniqueOrThrow({ where: { id: record.id } });
  t.same(row3.lastUsedAt, later);
});
