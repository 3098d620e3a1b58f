// The stub world the widget benchmarks run in, all on loopback: host pages on
// http://localhost:PORT, the CDN bundle from widget/dist/cdn, a stub booking service that
// answers at once, and a stub Calendly page on http://127.0.0.1:PORT (another site, as
// Calendly is). `node bench/stub-server.mjs` serves it alone for poking at by hand.
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const cdnDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "cdn");

const filler = (n) =>
  Array.from(
    { length: n },
    (_, i) =>
      `<p>Paragraph ${i}: builders ship apps with AI; this host page has ordinary text content so layout has work to do.</p>`,
  ).join("\n");
const CALENDLY_JS = `// stand-in for Calendly's app\n${"window.__pad=(window.__pad||0)+1;\n".repeat(3000)}
parent.postMessage({event:"calendly.event_type_viewed",payload:{}}, "*");
parent.postMessage({event:"calendly.page_height",payload:{height:"900px"}}, "*");`;

export function startServer() {
  let calendlyBase = "";
  const config = () => ({
    state: "bookable",
    builder: { id: "b-liam", slug: "liam", name: "Liam", headline: "Ship your first AI-powered app", avatarUrl: null },
    sessionTypes: [
      {
        id: "3d3c0f4e-0a39-4c07-9d8e-2b1b8a5c0001",
        name: "1:1 build session",
        durationMinutes: 60,
        price: { amount: 15000, currency: "usd" },
      },
    ],
    calendly: { url: `${calendlyBase}/calendly/liam/build-session`, origin: calendlyBase },
    requiresCustomer: false,
    sandbox: true,
    flow: { builderChoice: null, payFirst: { available: true } },
  });
  const elementTag = (extra = "") =>
    `<baw-book-builder builder="liam" site-key="pk_test_bench" calendly-origin="${calendlyBase}" ${extra}></baw-book-builder>`;
  const page = (body, head = "") =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title>${head}</head><body>${body}</body></html>`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const send = (status, type, body, headers = {}) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...headers });
      res.end(body);
    };
    const p = url.pathname;
    if (p.startsWith("/cdn/")) {
      const file = path.join(cdnDir, path.basename(p));
      if (!existsSync(file)) return send(404, "text/plain", "no");
      return send(200, "text/javascript", readFileSync(file));
    }
    if (p === "/v1/builders/liam/booking-config")
      return send(200, "application/json", JSON.stringify(config()), { etag: '"cfg"' });
    if (p === "/v1/booking-attempts" && req.method === "POST") {
      req.resume();
      return req.on("end", () =>
        send(
          201,
          "application/json",
          JSON.stringify({
            attemptId: `att_${Math.random().toString(36).slice(2)}`,
            calendlyUrl: `${calendlyBase}/calendly/liam/build-session?utm_content=att`,
            expiresAt: new Date(Date.now() + 3.6e6).toISOString(),
          }),
        ),
      );
    }
    if (p === "/ping") return send(200, "application/json", "{}");
    if (p.startsWith("/calendly/app.js")) return send(200, "text/javascript", CALENDLY_JS);
    if (p.startsWith("/calendly/"))
      return send(
        200,
        "text/html",
        page("<h1>Pick a time</h1>", `<script src="${calendlyBase}/calendly/app.js"></script>`),
      );
    const script = `<script type="module" src="/cdn/baw-book-builder.js"></script>`;
    if (p === "/timing") return send(200, "text/html", page("<main id=main></main>", script));
    if (p === "/host") {
      // with=1: the element; with=iframe: a plain iframe of the same stub Calendly page, the
      // share of the cost that any Calendly embed has; with=0: neither.
      const mode = url.searchParams.get("with");
      const plainIframe = `<iframe title="Calendly" src="${calendlyBase}/calendly/liam/build-session?embed_type=Inline" style="width:100%;height:700px;border:0"></iframe>`;
      const inner = mode === "1" ? elementTag() : mode === "iframe" ? plainIframe : "";
      return send(
        200,
        "text/html",
        page(`<main><h1>Host page</h1>${filler(150)}${inner}${filler(50)}</main>`, mode === "1" ? script : ""),
      );
    }
    if (p === "/long") {
      const lazy = url.searchParams.get("lazy") === "1";
      return send(
        200,
        "text/html",
        page(
          `<main><h1>A long profile page</h1>${filler(400)}<section id=book>${elementTag(lazy ? "lazy" : "")}</section></main>`,
          script,
        ),
      );
    }
    send(404, "text/plain", "not found");
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = server.address().port;
      calendlyBase = `http://127.0.0.1:${port}`; // a different site from the page (localhost), as Calendly is
      resolve({ server, pageBase: `http://localhost:${port}` });
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { pageBase } = await startServer();
  console.log(
    `serving ${pageBase}/host?with=1, /long?lazy=1, /timing (Ctrl-C to stop; stops by itself after 10 minutes)`,
  );
  setTimeout(() => process.exit(0), 600_000);
}
