// OpenAPI generated from the routes' zod schemas, served at /docs.
import type { FastifyHelmetOptions } from "@fastify/helmet";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";

/** Over the API's set (plugins/security-headers.ts): what an HTML page needs. */
const docsHelmet: FastifyHelmetOptions = {
  contentSecurityPolicy: false,
  crossOriginResourcePolicy: { policy: "same-origin" },
  crossOriginOpenerPolicy: true,
  originAgentCluster: true,
  xDnsPrefetchControl: true,
  xDownloadOptions: true,
  xPermittedCrossDomainPolicies: true,
  xXssProtection: true,
};

type OpenApiDocument = ReturnType<typeof jsonSchemaTransformObject>;

/**
 * Drops the `$id` and `$schema` that zod writes into each component schema. In OpenAPI 3.1 a
 * schema's `$id` is its base URI, so `#/components/schemas/X` as an `$id` made every `$ref`
 * resolve inside that schema, and swagger-ui showed resolver errors instead of the models.
 */
export function withoutSchemaIds(document: OpenApiDocument): OpenApiDocument {
  const schemas = (document as { components?: { schemas?: Record<string, Record<string, unknown>> } }).components
    ?.schemas;
  for (const schema of Object.values(schemas ?? {})) {
    delete schema.$id;
    delete schema.$schema;
  }
  return document;
}

async function docs(fastify: FastifyInstance) {
  await fastify.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "baw booking API",
        version: "1.0.0",
        description:
          "Book and pay for 1:1 sessions with builders. Widget routes take a publishable site key " +
          "(`X-Baw-Site-Key`); partner routes take a secret key (`Authorization: Bearer baw_sk_…`).",
      },
      tags: [
        { name: "public", description: "Used by the <baw-book-builder> element" },
        { name: "partner", description: "Server-to-server, with a secret API key" },
        { name: "webhooks", description: "Signed deliveries from Stripe and Calendly" },
        { name: "ops", description: "Health, readiness and metrics" },
      ],
      components: {
        securitySchemes: {
          siteKey: { type: "apiKey", in: "header", name: "X-Baw-Site-Key" },
          partnerKey: { type: "http", scheme: "bearer" },
          bookingToken: { type: "http", scheme: "bearer" },
        },
      },
    },
    transform: jsonSchemaTransform,
    // Collects the schemas registered with .meta({id}) into components.schemas, so $refs resolve.
    transformObject: (input) => withoutSchemaIds(jsonSchemaTransformObject(input)),
  });
  // The docs are the service's one HTML page: helmet's document headers through their routes'
  // config, and swagger-ui's own CSP (hashes of its inline assets) instead of the API's.
  await fastify.register(async (page) => {
    page.addHook("onRoute", (route) => {
      // @fastify/helmet reads a route's own settings from its config.
      route.config = { ...route.config, helmet: docsHelmet };
    });
    await page.register(swaggerUi, {
      routePrefix: "/docs",
      staticCSP: true,
      // swagger-ui sets element styles from its script; styles only, scripts stay hashed.
      transformStaticCSP: (header) => header.replace(/style-src ([^;]*?)\s*;/, "style-src $1 'unsafe-inline';"),
    });
  });
}

export default fp(docs, { name: "swagger" });
