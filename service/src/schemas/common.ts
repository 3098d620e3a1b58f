// Schemas shared by several routes.
import { z } from "zod";

export const ErrorSchema = z
  .object({
    statusCode: z.number().int(),
    error: z.string().describe("Stable machine-readable code"),
    message: z.string().describe("What went wrong, naming the field"),
    field: z.string().optional(),
    retryable: z.boolean().optional(),
    requestId: z.string().optional(),
  })
  .meta({ id: "Error" });

export const MoneySchema = z
  .object({
    amount: z.number().int().describe("Integer minor units (cents)"),
    currency: z.string().length(3).describe("ISO 4217, lower case"),
  })
  .meta({ id: "Money" });

/** Error responses every public route may give. */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  429: ErrorSchema,
  503: ErrorSchema,
} as const;
