// @baw/sandbox: offline fakes of Stripe and Calendly. The booking service never imports this
// package; whoever wants a sandbox (the demo, the tests, the doctor, `npm run sandbox`) starts it
// and hands the service the fakes' URLs.
export * from "./fake-calendly/index.js";
export {
  type DeliveryAttempt,
  type DeliveryResult,
  ENABLED_EVENTS,
  type FakeStripe,
  type FakeStripeOptions,
  type PayOptions,
  type PayResult,
  SANDBOX_LABEL,
  type StripeErrorBody,
  type StripeEventObject,
  startFakeStripe,
} from "./fake-stripe/index.js";
export { sandboxUsers } from "./sandbox-users.js";
export { type SandboxFromEnv, sandboxOptionsFromEnv, serveSandbox } from "./serve.js";
export {
  CALENDLY_OAUTH_CALLBACK_PATH,
  minExpirySecondsFor,
  type Sandbox,
  type SandboxOptions,
  sandboxSecrets,
  startSandbox,
} from "./start.js";
