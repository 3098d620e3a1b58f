import type Stripe from "stripe";

/** The API version the fake speaks: the one the pinned stripe-node release is typed for. */
export const STRIPE_API_VERSION = "2025-10-29.clover" satisfies Stripe.LatestApiVersion;
