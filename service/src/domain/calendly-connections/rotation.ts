// Key rotation for builders' Calendly tokens: every connection (and authorization request in
// flight) still under an older key is decrypted and encrypted again under the current one. A
// refresh re-encrypts its connection anyway; this does all of them at once, so an old key can be
// removed from CALENDLY_TOKEN_ENCRYPTION_KEYS.
import type { Config } from "../../config.js";
import type { PrismaClient } from "../../generated/prisma/client.js";
import { openVerifier, resealTokens, sealVerifier, tokenCipher } from "./client.js";

export interface ReencryptResult {
  connections: number;
  states: number;
  /** Key ids found on rows that no configured key opens (those rows are left as they are). */
  unknownKeys: string[];
}

export async function reencryptTokens(prisma: PrismaClient, config: Config): Promise<ReencryptResult> {
  const ctx = { config };
  const cipher = tokenCipher(ctx);
  const current = cipher.currentKeyId;
  const result: ReencryptResult = { connections: 0, states: 0, unknownKeys: [] };
  const unknown = new Set<string>();
  const stale = await prisma.calendlyConnection.findMany({
    where: { tokenKeyId: { not: current }, status: "CONNECTED" },
    select: { builderId: true },
  });
  for (const { builderId } of stale) {
    // Under the row lock, so a refresh on a running instance cannot interleave.
    const done = await prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "CalendlyConnection" WHERE "builderId" = ${builderId}::uuid FOR UPDATE`;
      const row = await tx.calendlyConnection.findUniqueOrThrow({ where: { builderId } });
      if (row.tokenKeyId === current || row.status !== "CONNECTED") return false;
      if (!cipher.hasKey(row.tokenKeyId)) {
        unknown.add(row.tokenKeyId);
        return false;
      }
      await tx.calendlyConnection.update({ where: { builderId }, data: resealTokens(ctx, row) });
      return true;
    });
    if (done) result.connections++;
  }
  const states = await prisma.calendlyOAuthState.findMany({
    where: { tokenKeyId: { not: current }, usedAt: null, expiresAt: { gt: new Date() } },
  });
  for (const state of states) {
    if (!cipher.hasKey(state.tokenKeyId)) {
      unknown.add(state.tokenKeyId);
      continue;
    }
    const sealed = sealVerifier(
      ctx,
      state.builderId,
      openVerifier(ctx, state.builderId, state.tokenKeyId, state.codeVerifierCiphertext),
    );
    await prisma.calendlyOAuthState.update({
      where: { stateHash: state.stateHash },
      data: { codeVerifierCiphertext: sealed.ciphertext, tokenKeyId: sealed.keyId },
    });
    result.states++;
  }
  result.unknownKeys = [...unknown];
  return result;
}
