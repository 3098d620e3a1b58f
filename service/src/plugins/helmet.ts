import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

// The API serves JSON; the docs UI needs its own inline assets, so CSP stays on helmet's
// defaults only where HTML is served (the swagger plugin sets its own).
export default fp(
  async (fastify: FastifyInstance) => {
    await fastify.register(helmet, {
      global: true,
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: "cross-origin" },
    });
  },
  { name: "helmet" },
);
