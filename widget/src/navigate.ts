// SPDX-License-Identifier: MIT

/**
 * Sends the whole page to `url` (Stripe Checkout refuses to run in a frame).
 * Returns false when the browser forbids top navigation, e.g. in a sandboxed iframe without
 * `allow-top-navigation`, where the assignment throws a SecurityError.
 */
export function navigateTop(url: string): boolean {
  try {
    (window.top ?? window).location.href = url;
    return true;
  } catch {
    return false;
  }
}
