// @baw/sandbox: offline fakes of Stripe and Calendly. The booking service never imports this
// package; whoever wants a sandbox (the demo, the tests, the doctor, `npm run sandbox`) starts it
// and hands the service the fakes' URLs.
export * from "./fake-calendly/index.js";
export {
  ACCOUNT_LINK_TTL_SECONDS,
  type AccountLedger,
  type Amounts,
  type Balances,
  CONNECT_ENABLED_EVENTS,
  type DeliveryAttempt,
  type DeliveryResult,
  DISABLED_REASONS,
  type DisabledReason,
  ENABLED_EVENTS,
  type FakeStripe,
  type FakeStripeOptions,
  ONBOARDING_LABEL,
  ONBOARDING_OUTCOMES,
  type OnboardingOutcome,
  type PayOptions,
  type PayResult,
  type PlatformLedger,
  SANDBOX_LABEL,
  type StripeErrorBody,
  type StripeEventObject,
  startFakeStripe,
} from "./fake-stripe/index.js";
export { type SandboxFromEnv, sandboxOptionsFromEnv, serveSandbox } from "./serve.js";
export { minExpirySecondsFor, type Sandbox, type SandboxOptions, sandboxSecrets, startSandbox } from "./start.js";
