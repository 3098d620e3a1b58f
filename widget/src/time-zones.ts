// SPDX-License-Identifier: MIT
// Time zones and dates for the pay-first picker: times are shown in the visitor's zone, which
// they can change.

/** The browser's time zone (IANA), or UTC where the browser does not say. */
export const detectedZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** Zones offered besides the detected one: one or two per region, west to east. */
const COMMON = [
  "Pacific/Honolulu",
  "America/Anchorage",
  "America/Los_Angeles",
  "America/Denver",
  "America/Chicago",
  "America/New_York",
  "America/Sao_Paulo",
  "UTC",
  "Europe/London",
  "Europe/Lisbon",
  "Africa/Lagos",
  "Europe/Berlin",
  "Europe/Paris",
  "Europe/Madrid",
  "Europe/Warsaw",
  "Europe/Athens",
  "Africa/Johannesburg",
  "Europe/Istanbul",
  "Europe/Moscow",
  "Asia/Dubai",
  "Asia/Kolkata",
  "Asia/Bangkok",
  "Asia/Singapore",
  "Asia/Shanghai",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Pacific/Auckland",
];

/** The zones to choose from: `shown` and the detected zone first, then the common ones (each once). */
export const zoneChoices = (shown: string): string[] => [...new Set([shown, detectedZone(), ...COMMON])];

/** A zone as the select shows it: "Europe/Berlin (GMT+1)", its offset at `at`. */
export function zoneLabel(zone: string, locale: string, at: number): string {
  const offset = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "shortOffset" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName")?.value;
  return `${zone.replace(/_/g, " ")}${offset ? ` (${offset})` : ""}`;
}

/** The calendar day of `iso` in `zone`, as `YYYY-MM-DD` (a key for grouping times by day). */
export const dayKey = (iso: string | number, zone: string): string =>
  new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(iso),
  );

/** Formats `iso` in `zone` for `locale`. */
export const formatIn = (iso: string | number, zone: string, locale: string, o: Intl.DateTimeFormatOptions): string =>
  new Intl.DateTimeFormat(locale, { ...o, timeZone: zone }).format(new Date(iso));

/** Start times grouped by their day in `zone`, days in order. */
export function byDay(times: { startTime: string }[], zone: string): Map<string, string[]> {
  const days = new Map<string, string[]>();
  for (const { startTime } of times) {
    const key = dayKey(startTime, zone);
    days.set(key, [...(days.get(key) ?? []), startTime]);
  }
  return days;
}
