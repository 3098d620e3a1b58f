// A small static-and-pages HTTP server on node:http, one per demo origin.
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export type Reply =
  | { kind: "html"; body: string; status?: number; headers?: Record<string, string> }
  | { kind: "redirect"; location: string; status?: 302 | 303; headers?: Record<string, string> }
  | { kind: "json"; body: unknown; status?: number };

/** `form` is the body of a POST (application/x-www-form-urlencoded); undefined for GET and HEAD. */
export type Router = (
  url: URL,
  req: IncomingMessage,
  form?: URLSearchParams,
) => Reply | undefined | Promise<Reply | undefined>;

/** Largest form body a POST may carry. */
export const MAX_FORM_BYTES = 16 * 1024;

export interface StaticMount {
  /** URL prefix, e.g. "/assets/" (with `file`: the exact path). */
  prefix: string;
  dir: string;
  /** Serve this one file (name inside `dir`) at exactly `prefix`. */
  file?: string;
  /** Extra headers, e.g. CORS for the widget bundle other origins load. */
  headers?: Record<string, string>;
}

export interface SiteServerOptions {
  router: Router;
  mounts: StaticMount[];
  /** Headers every HTML page gets (CSP and friends), computed per request. */
  pageHeaders: (url: URL) => Record<string, string>;
  /** Page for unknown paths. */
  notFound: () => string;
  /** Paths that accept a POSTed form (default: none; every other method but GET and HEAD is a 405). */
  acceptsPost?: (pathname: string) => boolean;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
};

const BASE_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
};

async function serveStatic(mount: StaticMount, pathname: string, res: ServerResponse, head: boolean): Promise<boolean> {
  let rel: string;
  if (mount.file) {
    if (pathname !== mount.prefix) return false;
    rel = mount.file;
  } else {
    try {
      rel = decodeURIComponent(pathname.slice(mount.prefix.length));
    } catch {
      return false;
    }
  }
  const file = path.resolve(mount.dir, rel);
  if (!file.startsWith(path.resolve(mount.dir) + path.sep)) return false;
  const type = TYPES[path.extname(file)];
  if (!type) return false;
  try {
    if (!(await stat(file)).isFile()) return false;
    const body = await readFile(file);
    res.writeHead(200, {
      ...BASE_HEADERS,
      ...mount.headers,
      "content-type": type,
      "content-length": body.length,
      "cache-control": "no-cache",
    });
    res.end(head ? undefined : body);
    return true;
  } catch {
    return false;
  }
}

export function createSiteServer(options: SiteServerOptions): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle(options, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`Internal error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.keepAliveTimeout = 2000;
  return server;
}

async function handle(options: SiteServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://demo.invalid");
  const method = req.method ?? "GET";
  if (method === "OPTIONS") {
    const mount = options.mounts.find((m) => url.pathname.startsWith(m.prefix));
    res.writeHead(204, { ...mount?.headers, "access-control-allow-methods": "GET, HEAD" });
    res.end();
    return;
  }
  const post = method === "POST" && options.acceptsPost?.(url.pathname) === true;
  if (method !== "GET" && method !== "HEAD" && !post) {
    const allow = options.acceptsPost?.(url.pathname) ? "GET, HEAD, POST" : "GET, HEAD";
    res.writeHead(405, { allow, "content-type": "text/plain; charset=utf-8" });
    res.end("Method not allowed");
    return;
  }
  let form: URLSearchParams | undefined;
  if (post) {
    const body = await readForm(req);
    if (typeof body === "number") {
      res.writeHead(body, { ...BASE_HEADERS, "content-type": "text/plain; charset=utf-8", connection: "close" });
      res.end(body === 413 ? "Form too large" : "Send the form as application/x-www-form-urlencoded");
      return;
    }
    form = body;
  }
  const head = method === "HEAD";
  if (!post) {
    for (const mount of options.mounts) {
      if (url.pathname.startsWith(mount.prefix) && (await serveStatic(mount, url.pathname, res, head))) return;
    }
  }
  const reply = await options.router(url, req, form);
  if (reply?.kind === "redirect") {
    res.writeHead(reply.status ?? 302, { ...BASE_HEADERS, ...reply.headers, location: reply.location });
    res.end();
    return;
  }
  if (reply?.kind === "json") {
    const bytes = Buffer.from(JSON.stringify(reply.body), "utf8");
    res.writeHead(reply.status ?? 200, {
      ...BASE_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "content-length": bytes.length,
      "cache-control": "no-store",
    });
    res.end(head ? undefined : bytes);
    return;
  }
  const body = reply?.body ?? options.notFound();
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(reply?.status ?? (reply ? 200 : 404), {
    ...BASE_HEADERS,
    ...options.pageHeaders(url),
    ...reply?.headers,
    "content-type": "text/html; charset=utf-8",
    "content-length": bytes.length,
    "cache-control": "no-store",
  });
  res.end(head ? undefined : bytes);
}

/** A POSTed form, or the status to refuse it with: 415 for another content type, 413 when too large. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | 413 | 415> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    req.resume();
    return 415;
  }
  if (Number(req.headers["content-length"] ?? 0) > MAX_FORM_BYTES) {
    req.resume();
    return 413;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return 413;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(
        error.code === "EADDRINUSE"
          ? Object.assign(new Error(`port ${port} on ${host} is already in use`), { code: "EADDRINUSE", port })
          : error,
      );
    };
    const onListening = () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
