// Schemas shared by several routes.
import { z } from "zod";
import { ErrorSchema } from "../contract/common.js";

export { ErrorSchema, MoneySchema } from "../contract/common.js";

// A NUL byte (PostgreSQL refuses it in text) or a UTF-16 surrogate without its pair (not
// encodable as UTF-8).
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const UNSTORABLE_MESSAGE = "must not contain a NUL byte or an unpaired UTF-16 surrogate";

/** Whether a string can be stored and echoed as text. */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/**
 * The check every input string carries: it refuses what the database cannot store, so the
 * answer is a 400 naming the field rather than a 500 from the driver. `text()` is the plain
 * string; `storable(z.url())` and `storable(z.email())` add the check to a string format.
 */
export function storable<T extends z.ZodString | z.ZodURL | z.ZodEmail>(schema: T): T {
  return schema.refine(isStorableText, UNSTORABLE_MESSAGE) as T;
}

export function text(): z.ZodString {
  return storable(z.string());
}

/** Error responses every public route may give. */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  429: ErrorSchema,
  503: ErrorSchema,
} as const;
