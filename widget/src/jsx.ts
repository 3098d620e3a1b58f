// SPDX-License-Identifier: MIT
/**
 * JSX typings for React 19 (which sets properties and listens to `on<event-name>` props on
 * custom elements). Opt in once: `import type {} from "@baw/book-builder/jsx";`
 */
import type { DetailedHTMLProps, HTMLAttributes } from "react";
import type { BawBookBuilder } from "./baw-book-builder.js";
import type { BawAuthRequiredEvent } from "./events/auth-required.js";
import type { BawBookingConfirmedEvent } from "./events/booking-confirmed.js";
import type { BawCheckoutRedirectEvent } from "./events/checkout-redirect.js";
import type { BawErrorEvent } from "./events/error.js";
import type { BawReadyEvent } from "./events/ready.js";
import type { BawReservedEvent } from "./events/reserved.js";
import type { BawSlotScheduledEvent } from "./events/slot-scheduled.js";
import type { BawSlotSelectedEvent } from "./events/slot-selected.js";
import type { BawStateChangeEvent } from "./events/state-change.js";

type Props = Partial<
  Pick<
    BawBookBuilder,
    | "builder"
    | "siteKey"
    | "apiBase"
    | "sessionType"
    | "customerToken"
    | "name"
    | "email"
    | "prefill"
    | "utmSource"
    | "utmMedium"
    | "utmCampaign"
    | "utmTerm"
    | "locale"
    | "mode"
    | "hideDetails"
    | "lazy"
    | "flow"
    | "calendlyOrigin"
    | "browseUrl"
    | "primaryColor"
    | "bookingId"
    | "bookingToken"
    | "checkoutSession"
    | "timeouts"
    | "strings"
    | "navigate"
  >
>;

/** The same settings as attributes (what server-rendered HTML uses). */
interface Attributes {
  "site-key"?: string;
  "api-base"?: string;
  "session-type"?: string;
  "customer-token"?: string;
  "utm-source"?: string;
  "utm-medium"?: string;
  "utm-campaign"?: string;
  "utm-term"?: string;
  "hide-details"?: boolean;
  "calendly-origin"?: string;
  "browse-url"?: string;
  "primary-color"?: string;
  "booking-id"?: string;
  "booking-token"?: string;
  "checkout-session"?: string;
}

interface Events {
  "onbaw-ready"?: (e: BawReadyEvent) => void;
  "onbaw-state-change"?: (e: BawStateChangeEvent) => void;
  "onbaw-slot-scheduled"?: (e: BawSlotScheduledEvent) => void;
  "onbaw-checkout-redirect"?: (e: BawCheckoutRedirectEvent) => void;
  "onbaw-booking-confirmed"?: (e: BawBookingConfirmedEvent) => void;
  "onbaw-error"?: (e: BawErrorEvent) => void;
  "onbaw-auth-required"?: (e: BawAuthRequiredEvent) => void;
  "onbaw-slot-selected"?: (e: BawSlotSelectedEvent) => void;
  "onbaw-reserved"?: (e: BawReservedEvent) => void;
}

/** Props of `<baw-book-builder>` in JSX. */
export type BawBookBuilderProps = DetailedHTMLProps<HTMLAttributes<BawBookBuilder>, BawBookBuilder> &
  Props &
  Attributes &
  Events;

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "baw-book-builder": BawBookBuilderProps;
    }
  }
}
