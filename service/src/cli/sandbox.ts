// `npm run sandbox`: the sandbox's fakes of Stripe and Calendly on their own, hosting the seeded
// builders' event types, for a service started separately with the variables this prints
// (SANDBOX_STRIPE_PORT, SANDBOX_CALENDLY_PORT, SANDBOX_SERVICE_URL, SANDBOX_HOLD_SECONDS).
import { sandboxOptionsFromEnv, serveSandbox } from "@baw/sandbox";
import { sandboxEventTypes } from "./local-sandbox.js";

serveSandbox(sandboxOptionsFromEnv(process.env, sandboxEventTypes)).catch((error: unknown) => {
  process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
