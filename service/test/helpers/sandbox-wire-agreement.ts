// Compile-time agreement between the sandbox's reading of the providers' wire formats and the
// service's: `npm run typecheck` fails when one changes without the other.
import type { ENABLED_EVENTS } from "@baw/sandbox";
import type * as Fake from "@baw/sandbox/fake-calendly/wire";
import type * as Client from "../../src/providers/calendly-types.js";
import type { stripeWebhookEvents } from "../../src/providers/stripe.js";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const wireFormatsAgree: [
  Same<Fake.Pagination, Client.Pagination>,
  Same<Fake.Collection<unknown>, Client.Collection<unknown>>,
  Same<Fake.CalendlyUser, Client.CalendlyUser>,
  Same<Fake.CalendlyOrganization, Client.CalendlyOrganization>,
  Same<Fake.EventType, Client.EventType>,
  Same<Fake.Cancellation, Client.Cancellation>,
  Same<Fake.ScheduledEvent, Client.ScheduledEvent>,
  Same<Fake.Tracking, Client.Tracking>,
  Same<Fake.Invitee, Client.Invitee>,
  Same<Fake.WebhookSubscription, Client.WebhookSubscription>,
  Same<Fake.CalendlyWebhookBody, Client.CalendlyWebhookBody>,
  Same<Fake.AvailableTime, Client.AvailableTime>,
  Same<(typeof ENABLED_EVENTS)[number], (typeof stripeWebhookEvents)[number]>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true];
