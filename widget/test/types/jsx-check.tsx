// Compile-time check of src/jsx.ts (run by `npm run typecheck`); never executed.
import type {} from "../../src/jsx.js";

export const ok = (
  <baw-book-builder
    builder="liam"
    site-key="pk_test"
    apiBase="https://api.example"
    mode="popup"
    hide-details
    prefill={{ a1: "hi", guests: ["a@example.com"] }}
    onbaw-ready={(e) => e.detail.url.toUpperCase()}
    onbaw-error={(e) => e.detail.retryable}
  />
);

export const payFirst = (
  <baw-book-builder
    builder="liam"
    flow="pay-first"
    onbaw-slot-selected={(e) => e.detail.timezone.length}
    onbaw-reserved={(e) => e.detail.bookingId.toUpperCase()}
  />
);

// @ts-expect-error flow is "embedded" | "pay-first"
export const badFlow = <baw-book-builder flow="later" />;

// @ts-expect-error mode is "inline" | "popup"
export const badMode = <baw-book-builder mode="sideways" />;

// @ts-expect-error the detail of baw-ready has no bookingId
export const badDetail = <baw-book-builder onbaw-ready={(e) => e.detail.bookingId} />;
