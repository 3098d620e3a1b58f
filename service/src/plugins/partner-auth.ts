// Partner authentication: `Authorization: Bearer baw_sk_…` resolves `request.partnerKey`, and
// each route names the scope it needs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { hasScope, type PartnerScope, touchPartnerKey, verifyPartnerKey } from "../domain/partner-keys.js";
import type { PartnerKey, PrismaClient } from "../generated/prisma/client.js";
import { AppError, forbidden } from "../lib/errors.js";

declare module "fastify" {
  interface FastifyRequest {
    partnerKey: PartnerKey | null;
  }
}

const verifications = new WeakMap<FastifyRequest, Promise<PartnerKey>>();

/**
 * Verifies the request's partner key once per request: the rate limiter (which buckets a
 * verified key on its own) and the route's authentication share the one database lookup.
 */
export function verifyRequestPartnerKey(prisma: PrismaClient, request: FastifyRequest): Promise<PartnerKey> {
  let verification = verifications.get(request);
  if (!verification) {
    verification = verifyPartnerKey(prisma, request.headers.authorization);
    // Whoever awaits it sees the failure; the rate limiter only asks whether it succeeded.
    verification.catch(() => {});
    verifications.set(request, verification);
  }
  return verification;
}

/**
 * A hook that authenticates the partner and checks one scope. Attach it as `onRequest` (so an
 * unauthenticated caller learns nothing about input validation) or `preHandler`.
 */
export function authenticatePartner(scope: PartnerScope) {
  return async function partnerAuth(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    let key: PartnerKey;
    try {
      key = await verifyRequestPartnerKey(this.db.prisma, request);
    } catch (error) {
      if (error instanceof AppError && error.statusCode === 401) {
        // RFC 6750: no error attribute when no credentials were sent.
        const detail = error.code === "partner_key_required" ? "" : `, error="invalid_token"`;
        reply.header("www-authenticate", `Bearer realm="baw partner API"${detail}`);
      }
      throw error;
    }
    if (!hasScope(key, scope)) {
      throw forbidden(
        "scope_missing",
        `This partner key lacks the "${scope}" scope, which ${request.method} ${request.routeOptions.url} requires`,
      );
    }
    request.partnerKey = key;
    try {
      await touchPartnerKey(this.db.prisma, key);
    } catch (err) {
      request.log.warn({ err }, "could not record partner key use");
    }
  };
}

/** The authenticated key; only valid behind `authenticatePartner`. */
export function partnerKeyOf(request: FastifyRequest): PartnerKey {
  if (!request.partnerKey) throw new Error("partnerKeyOf: route is missing the authenticatePartner hook");
  return request.partnerKey;
}

async function partnerAuth(fastify: FastifyInstance) {
  if (!fastify.hasRequestDecorator("partnerKey")) fastify.decorateRequest("partnerKey", null);
}

export default fp(partnerAuth, { name: "partner-auth", dependencies: ["database"] });
