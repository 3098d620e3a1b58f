// SPDX-License-Identifier: MIT
import { type CoreStrings, en, type Strings } from "./en.js";

export type { CoreStrings, Strings };
export { en };

/** Locales ready to use, by lower-case primary language subtag. English is always there (its after-checkout strings come with those pages). */
const ready: Record<string, CoreStrings> = { en };

/** Locales fetched on first use (separate small files next to the CDN bundle). */
const loaders: Record<string, () => Promise<{ default: Strings }>> = {
  de: () => import("./de.js"),
};
const loading: Record<string, Promise<void>> = {};

/** Adds (or replaces) a complete locale, e.g. `registerLocale("fr", {...})`. */
export function registerLocale(lang: string, strings: Strings): void {
  ready[lang.toLowerCase()] = strings;
}

/** The locale to use: the `locale` attribute, then the browser's language, then English. */
export const pickLocale = (attr?: string): string =>
  attr || (typeof navigator !== "undefined" && navigator.language) || "en";

/**
 * The strings for `locale`, with `overrides` on top. A locale that still has to be fetched
 * answers in English for now and calls `onLoad` once it is there.
 */
export function stringsFor(
  locale: string,
  overrides: Partial<Strings>,
  onLoad: () => void,
): CoreStrings & Partial<Strings> {
  const lang = locale.toLowerCase().split("-")[0]!;
  const load = loaders[lang];
  if (!ready[lang] && load) {
    loading[lang] ??= load().then((m) => registerLocale(lang, m.default));
    loading[lang].then(onLoad, () => {}); // a locale that fails to load stays English
  }
  return { ...(ready[lang] ?? en), ...overrides };
}

/** Replaces `{key}` placeholders. */
export const fill = (s: string, vars: Record<string, string>): string =>
  s.replace(/\{(\w+)\}/g, (m, k) => vars[k] ?? m);
