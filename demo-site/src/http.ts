// A small static-and-pages HTTP server on node:http, one per demo origin.
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export type Reply =
  | { kind: "html"; body: string; status?: number; headers?: Record<string, string> }
  | { kind: "redirect"; location: string; status?: 302 | 303 };

export type Router = (url: URL, req: IncomingMessage) => Reply | undefined | Promise<Reply | undefined>;

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
  if (method !== "GET" && method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
    res.end("Method not allowed");
    return;
  }
  const head = method === "HEAD";
  for (const mount of options.mounts) {
    if (url.pathname.startsWith(mount.prefix) && (await serveStatic(mount, url.pathname, res, head))) return;
  }
  const reply = await options.router(url, req);
  if (reply?.kind === "redirect") {
    res.writeHead(reply.status ?? 302, { ...BASE_HEADERS, location: reply.location });
    res.end();
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
