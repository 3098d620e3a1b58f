// Small node:http helpers shared by the fake's routes.
import type { IncomingMessage, ServerResponse } from "node:http";

export type Headers = Record<string, string | number>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
  });
  res.end(html);
}

/**
 * Holds back what a handler answers on `res` (its writeHead and end) instead of sending it.
 * `release` stops holding; `replay` then sends the held answer, if there was one.
 */
export function holdAnswer(res: ServerResponse): { release(): void; replay(): void } {
  const writeHead = res.writeHead;
  const end = res.end;
  let head: Parameters<ServerResponse["writeHead"]> | undefined;
  let body: Parameters<ServerResponse["end"]> | undefined;
  res.writeHead = ((...args: Parameters<ServerResponse["writeHead"]>) => {
    head = args;
    return res;
  }) as ServerResponse["writeHead"];
  res.end = ((...args: Parameters<ServerResponse["end"]>) => {
    body = args;
    return res;
  }) as ServerResponse["end"];
  const release = () => {
    res.writeHead = writeHead;
    res.end = end;
  };
  return {
    release,
    replay() {
      release();
      if (res.destroyed) return;
      if (head) res.writeHead(...head);
      if (body) res.end(...body);
      else res.end();
    },
  };
}

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limit = 256 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyError(413, "Request body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A JSON object body (empty body → {}). */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === "") return {};
  const type = String(req.headers["content-type"] ?? "");
  if (type && !/json/i.test(type)) throw new BodyError(415, "Send JSON (content-type: application/json)");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyError(400, "The request body is not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new BodyError(400, "The request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON safe to place inside a <script type="application/json"> element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
