// Baseline: node:http answering a fixed JSON body, nothing else.
import http from "node:http";
import { serveChild } from "../lib/proc.mjs";

const body = JSON.stringify({ hello: "world" });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  serveChild({ port: server.address().port, close: () => new Promise((r) => server.close(r)) });
});
