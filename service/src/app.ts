// The service as one Fastify application: plugins first, then routes per resource.
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyLoggerOptions, LogController } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { LoggerOptions as PinoLoggerOptions } from "pino";
import type { Config } from "./config.js";
import type { Database } from "./db/database.js";
import { startConnectionHealth } from "./domain/calendly-connections/subscriptions.js";
import { domainContext } from "./domain/context.js";
import { startSweeper } from "./domain/holds.js";
import { logDestination, loggerOptions, requestLogLevel } from "./logging.js";
import availability from "./plugins/availability.js";
import cors from "./plugins/cors.js";
import database from "./plugins/database.js";
import errorHandler, { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH } from "./plugins/error-handler.js";
import metrics from "./plugins/metrics.js";
import providers, { type Providers } from "./plugins/providers.js";
import rateLimit from "./plugins/rate-limit.js";
import securityHeaders from "./plugins/security-headers.js";
import sites from "./plugins/sites.js";
import swagger from "./plugins/swagger.js";
import underPressure from "./plugins/under-pressure.js";
import { requestLogger } from "./request-logger.js";
import attemptOutcome from "./routes/attempt-outcome.js";
import availableTimes from "./routes/available-times.js";
import bookings from "./routes/bookings.js";
import builders from "./routes/builders.js";
import health from "./routes/health.js";
import partner from "./routes/partner.js";
import partnerCalendly from "./routes/partner-calendly.js";
import reservations from "./routes/reservations.js";
import webhooks from "./routes/webhooks.js";

declare module "fastify" {
  interface FastifyInstance {
    config: Config;
  }
}

export interface AppOptions {
  config: Config;
  /** An open database to use instead of opening one from the config (tests). */
  db?: Database;
  /** Provider clients to use instead of the configured ones (tests). */
  providers?: Providers;
  /**
   * Logger settings merged over the service's own (level, redaction, serializers): tests pass a
   * stream to capture logs. `false` turns logging off.
   */
  logger?: false | (FastifyLoggerOptions & PinoLoggerOptions);
  /**
   * Run the hold sweeper and the Calendly connection check on intervals (default true; tests call
   * `sweep` and `checkConnections` directly).
   */
  sweeper?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : { ...loggerOptions(config.logLevel), ...options.logger, stream: options.logger?.stream ?? logDestination() },
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    // Errors raised before any route runs answer in the service's error shape too.
    frameworkErrors,
    clientErrorHandler,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // On shutdown, close idle keep-alive sockets at once and let in-flight requests finish.
    forceCloseConnections: "idle",
    // One log line per request (below, at the level requestLogLevel picks) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: requestLogger,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onResponse", (request, reply, done) => {
    const ms = Math.round(reply.elapsedTime);
    request.log[requestLogLevel(request.method, reply.statusCode, ms)](
      {
        method: request.method,
        url: request.routeOptions.url ?? "(no route)",
        statusCode: reply.statusCode,
        ms,
      },
      "request",
    );
    done();
  });

  app.decorate("config", config);
  await app.register(errorHandler);
  await app.register(metrics, { token: config.metricsToken });
  await app.register(database, { config, db: options.db });
  await app.register(providers, { config, providers: options.providers });
  await app.register(availability);
  await app.register(securityHeaders);
  await app.register(cors);
  await app.register(sites);
  await app.register(rateLimit, { config });
  await app.register(underPressure, {
    maxEventLoopDelayMs: config.maxEventLoopDelayMs,
    maxHeapUsedBytes: config.maxHeapUsedBytes,
    maxRssBytes: config.maxRssBytes,
  });
  await app.register(swagger);

  await app.register(health);
  await app.register(builders);
  await app.register(bookings);
  await app.register(reservations);
  await app.register(attemptOutcome);
  await app.register(availableTimes);
  await app.register(partner);
  await app.register(partnerCalendly);
  await app.register(webhooks);

  if (options.sweeper ?? true) {
    const sweeper = startSweeper(domainContext(app), config.sweepIntervalSeconds);
    app.addHook("onClose", () => sweeper.stop());
    if (config.calendly.oauth) {
      const health = startConnectionHealth(domainContext(app), config.calendly.healthIntervalSeconds);
      app.addHook("onClose", () => health.stop());
    }
  }
  return app;
}
