// How the widget's tests and benchmarks start Debian's Chromium (no tool downloads a browser).
// Without the background-networking flags Chromium dials Google's hosts at start, which this
// network refuses.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
