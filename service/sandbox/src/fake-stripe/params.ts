// Parameter checks with Stripe's messages ("Missing required param: x.", "Invalid integer: y",
// "Received unknown parameter: z"). All raise 400 invalid_request_error naming the param.
import { invalidParam, missingParam } from "./errors.js";
import type { FormObject, FormValue } from "./form.js";
import type { Metadata } from "./store.js";

export function isObject(v: FormValue | undefined): v is FormObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function rejectUnknown(obj: FormObject, allowed: ReadonlySet<string>, prefix = ""): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      const param = prefix ? `${prefix}[${key}]` : key;
      throw invalidParam(`Received unknown parameter: ${param}`, param);
    }
  }
}

export function optString(v: FormValue | undefined, param: string, maxLength = 5000): string | null {
  if (v === undefined || v === "") return null;
  if (typeof v !== "string") throw invalidParam(`Invalid string: ${param} must be a string`, param);
  if (v.length > maxLength) {
    throw invalidParam(`Invalid string: ${param} must be at most ${maxLength} characters`, param, "string_length");
  }
  return v;
}

export function reqString(v: FormValue | undefined, param: string, maxLength = 5000): string {
  const s = optString(v, param, maxLength);
  if (s === null) throw missingParam(param);
  return s;
}

export function optInt(v: FormValue | undefined, param: string): number | null {
  if (v === undefined || v === "") return null;
  if (typeof v !== "string" || !/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw invalidParam(`Invalid integer: ${typeof v === "string" ? v : "(not a scalar)"}`, param);
  }
  return Number(v);
}

export function reqInt(v: FormValue | undefined, param: string): number {
  const n = optInt(v, param);
  if (n === null) throw missingParam(param);
  return n;
}

export function optEnum<T extends string>(v: FormValue | undefined, param: string, values: readonly T[]): T | null {
  const s = optString(v, param);
  if (s === null) return null;
  if (!(values as readonly string[]).includes(s)) {
    throw invalidParam(`Invalid ${param}: must be one of ${values.join(", ")}`, param);
  }
  return s as T;
}

export function optArray(v: FormValue | undefined, param: string): FormValue[] | null {
  if (v === undefined || v === "") return null;
  if (!Array.isArray(v)) throw invalidParam("Invalid array", param);
  return v;
}

export function optObject(v: FormValue | undefined, param: string): FormObject | null {
  if (v === undefined || v === "") return null;
  if (!isObject(v)) throw invalidParam("Invalid object", param);
  return v;
}

/** Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500; "" unsets a key. */
export function metadata(v: FormValue | undefined, param: string): Metadata {
  const obj = optObject(v, param);
  const out: Metadata = {};
  if (!obj) return out;
  const keys = Object.keys(obj);
  if (keys.length > 50) throw invalidParam(`Invalid ${param}: metadata can have at most 50 keys`, param);
  for (const key of keys) {
    const value = obj[key];
    const p = `${param}[${key}]`;
    if (key.length > 40) throw invalidParam(`Invalid ${param}: keys must be at most 40 characters (${key})`, p);
    if (typeof value !== "string") throw invalidParam(`Invalid ${param}: values must be strings`, p);
    if (value.length > 500) throw invalidParam(`Invalid ${param}: values must be at most 500 characters`, p);
    if (value !== "") out[key] = value;
  }
  return out;
}

/** The expand[] list (sent as `expand[0]=…` by the stripe package, `expand[]=…` by hand). */
export function expandList(v: FormValue | undefined): string[] {
  const arr = optArray(v, "expand");
  if (!arr) return [];
  return arr.map((e, i) => {
    if (typeof e !== "string") throw invalidParam("Invalid expand value", `expand[${i}]`);
    return e;
  });
}

export function url(v: FormValue | undefined, param: string, required: boolean): string | null {
  const s = required ? reqString(v, param) : optString(v, param);
  if (s === null) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(s.replace(/\{CHECKOUT_SESSION_ID\}/g, "cs"));
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw invalidParam("Not a valid URL", param, "url_invalid");
  }
  return s;
}

export function email(v: FormValue | undefined, param: string): string | null {
  const s = optString(v, param, 800);
  if (s === null) return null;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)) throw invalidParam(`Invalid email address: ${s}`, param, "email_invalid");
  return s;
}
