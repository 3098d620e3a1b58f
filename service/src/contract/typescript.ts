// Writes the contract's views as TypeScript declarations for the widget, which cannot import the
// service: its published types must stand alone. service/test/contract.test.ts fails when the
// committed file differs from what this generates.
import { z } from "zod";
import { components } from "./index.js";

/** The widget's file, and the contract schemas it declares. */
export const WIDGET_TYPES_FILE = "widget/src/generated/contract.ts";
export const WIDGET_TYPES = [
  "Money",
  "BookingStatus",
  "BookingFlow",
  "SessionType",
  "BookingConfig",
  "BookingAttempt",
  "BookingCreated",
  "Booking",
  "AttemptOutcome",
  "AvailableTimes",
] as const satisfies readonly (keyof typeof components)[];

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
};

const SCALARS: Record<string, string> = {
  string: "string",
  number: "number",
  integer: "number",
  boolean: "boolean",
  null: "null",
};

type Defs = Record<string, JsonSchema>;

function typeOf(schema: JsonSchema, indent: string, defs: Defs): string {
  if (schema.$ref) {
    const name = schema.$ref.split("/").at(-1)!;
    // A named view the file declares is referred to by name; any other is written out.
    if ((WIDGET_TYPES as readonly string[]).includes(name)) return name;
    return typeOf(defs[name] ?? {}, indent, defs);
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map((s) => typeOf(s, indent, defs)).join(" | ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.type))
    return schema.type.map((t) => typeOf({ ...schema, type: t }, indent, defs)).join(" | ");
  if (schema.type === "array") {
    const item = typeOf(schema.items ?? {}, indent, defs);
    return /[|&]/.test(item) ? `Array<${item}>` : `${item}[]`;
  }
  if (schema.type === "object" && schema.properties) {
    const inner = `${indent}  `;
    const lines = Object.entries(schema.properties).flatMap(([key, property]) => [
      ...(property.description ? [`${inner}/** ${property.description} */`] : []),
      `${inner}${key}${schema.required?.includes(key) ? "" : "?"}: ${typeOf(property, inner, defs)};`,
    ]);
    return `{\n${lines.join("\n")}\n${indent}}`;
  }
  if (schema.type && SCALARS[schema.type]) return SCALARS[schema.type]!;
  throw new Error(`the contract has a schema the generator cannot declare: ${JSON.stringify(schema)}`);
}

/** The widget's declarations of the contract's public views. */
export function widgetTypes(): string {
  const blocks = WIDGET_TYPES.map((name) => {
    const document = z.toJSONSchema(components[name], { io: "output" }) as JsonSchema & { $defs?: Defs };
    const defs = document.$defs ?? {};
    // The named schema itself sits in $defs, under its own name.
    const schema = defs[name] ?? document;
    const doc = schema.description ? `/** ${schema.description} */\n` : "";
    const type = `${doc}export type ${name} = ${typeOf({ ...schema, description: undefined }, "", defs)};\n`;
    // An enum's values too, so the widget checks answers against the contract's own list.
    const values = schema.enum
      ? `export const ${name}Values: readonly ${name}[] = ${JSON.stringify(schema.enum).replaceAll(",", ", ")};\n`
      : "";
    return `${type}${values}`;
  });
  return [
    "// Generated from service/src/contract by `npm run contract:types -w service`: do not edit.",
    "// service/test/contract.test.ts fails when this file and the contract differ.",
    "",
    blocks.join("\n"),
  ].join("\n");
}
