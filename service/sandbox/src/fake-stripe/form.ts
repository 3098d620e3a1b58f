// Stripe's v1 wire format: application/x-www-form-urlencoded with bracket notation, e.g.
// `line_items[0][price_data][unit_amount]=6000`, `metadata[booking_id]=b1`, `expand[]=x`.
// The stripe package sends `expand[0]=x` (qs "indices"); browsers and curl users send `expand[]=x`.

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const MAX_DEPTH = 8;
const MAX_INDEX = 999;

export class FormParseError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/** Splits `a[b][0][]` into `["a", "b", "0", ""]`. */
export function splitKey(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^[\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) break;
    parts.push(m[1] ?? "");
    consumed = re.lastIndex;
  }
  if (consumed !== rest.length) throw new FormParseError(`Invalid parameter name: ${key}`, key);
  return parts;
}

interface Node {
  [key: string]: Node | string;
}

/** Parses a form body or query string (without the leading `?`) into nested objects and arrays. */
export function parseForm(input: string): FormObject {
  const root: Node = Object.create(null);
  const pushCounters = new Map<Node, number>();
  for (const [rawKey, value] of new URLSearchParams(input)) {
    if (rawKey === "") continue;
    const parts = splitKey(rawKey);
    if (parts.length > MAX_DEPTH) throw new FormParseError(`Parameter nested too deeply: ${rawKey}`, rawKey);
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      let part = parts[i]!;
      if (FORBIDDEN_KEYS.has(part)) throw new FormParseError(`Invalid parameter name: ${rawKey}`, rawKey);
      if (part === "") {
        // `[]`: append. Counted per container so `a[]=1&a[]=2` gives two entries.
        const next = pushCounters.get(node) ?? Object.keys(node).length;
        pushCounters.set(node, next + 1);
        part = String(next);
      }
      const last = i === parts.length - 1;
      const existing = node[part];
      if (last) {
        if (existing !== undefined && typeof existing !== "string") {
          throw new FormParseError(`Conflicting values for parameter: ${rawKey}`, rawKey);
        }
        node[part] = value;
      } else {
        if (typeof existing === "string") {
          throw new FormParseError(`Conflicting values for parameter: ${rawKey}`, rawKey);
        }
        if (existing === undefined) {
          const child: Node = Object.create(null);
          node[part] = child;
          node = child;
        } else {
          node = existing;
        }
      }
    }
  }
  return finish(root, "") as FormObject;
}

/** Objects whose keys are all array indices become arrays, ordered by index. */
function finish(node: Node, path: string): FormValue {
  const keys = Object.keys(node);
  const isArray = keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k));
  if (isArray) {
    const indices = keys.map(Number).sort((a, b) => a - b);
    if (indices[indices.length - 1]! > MAX_INDEX) throw new FormParseError(`Array index too large in ${path}`, path);
    return indices.map((i) => {
      const v = node[String(i)]!;
      return typeof v === "string" ? v : finish(v, `${path}[${i}]`);
    });
  }
  const out: FormObject = {};
  for (const k of keys) {
    const v = node[k]!;
    out[k] = typeof v === "string" ? v : finish(v, path ? `${path}[${k}]` : k);
  }
  return out;
}

/** Encodes nested params the way the stripe package does (used by tests and the hosted page). */
export function encodeForm(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (value === undefined) return;
    if (value === null) {
      pairs.push(`${encodeURIComponent(key)}=`);
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${key}[${i}]`);
    } else if (typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, key ? `${key}[${k}]` : k);
    } else {
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    }
  };
  walk(params, "");
  return pairs.join("&").replace(/%5B/g, "[").replace(/%5D/g, "]");
}

/** Canonical JSON (sorted keys) for comparing two requests' parameters. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}
