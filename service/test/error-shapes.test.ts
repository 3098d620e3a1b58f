// Every error the service answers has its error shape ({statusCode, error, message}), including
// the ones Fastify's router and Node's HTTP parser raise before any route runs.
import net from "node:net";
import t from "tap";
import { buildTestApp } from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);
const port = Number(new URL(h.url).port);

/** Sends raw bytes and returns the status and parsed body of the answer. */
function raw(request: string): Promise<{ status: number; contentType: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    let data = "";
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString("utf8");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      const [head = "", body = ""] = data.split("\r\n\r\n", 2);
      const status = Number(head.split(" ")[1]);
      const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? "";
      try {
        resolve({ status, contentType, body: JSON.parse(body) });
      } catch {
        reject(new Error(`not JSON (${status}): ${body.slice(0, 200)}`));
      }
    });
  });
}
const get = (path: string) => raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

const cases: [string, () => ReturnType<typeof raw>, number, string][] = [
  ["bad percent-encoding (/%)", () => get("/%"), 400, "bad_url"],
  ["bad percent-encoding in a path parameter", () => get("/v1/builders/%E0%A4%A/booking-config"), 400, "bad_url"],
  ["an 8 KiB path parameter", () => get(`/v1/builders/${"a".repeat(8192)}/booking-config`), 414, "uri_too_long"],
  ["a 20 KB URL", () => get(`/v1/builders/liam/booking-config?x=${"a".repeat(20_000)}`), 431, "headers_too_large"],
  [
    "20 KB of headers",
    () => raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`),
    431,
    "headers_too_large",
  ],
  ["a malformed header line", () => raw("GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"), 400, "bad_request"],
  ["not HTTP at all", () => raw("HELLO\r\n\r\n"), 400, "bad_request"],
  ["an unknown route", () => get("/nowhere"), 404, "route_not_found"],
  [
    "a body over the limit",
    () =>
      raw(
        `POST /v1/booking-attempts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\nConnection: close\r\n\r\n${"a".repeat(70_000)}`,
      ),
    413,
    "ctp_body_too_large",
  ],
  [
    "an unsupported content type",
    () =>
      raw(
        "POST /v1/booking-attempts HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 2\r\nConnection: close\r\n\r\n<a",
      ),
    415,
    "ctp_invalid_media_type",
  ],
];

for (const [what, send, status, code] of cases) {
  t.test(what, async (t) => {
    const res = await send();
    t.equal(res.status, status, "status");
    t.match(res.contentType, /^application\/json/);
    t.match(res.body, { statusCode: status, error: code, message: String }, "the service's error shape");
    t.notMatch(JSON.stringify(res.body), /FST_ERR|Bad Request|Client Error/, "no framework labels");
  });
}
