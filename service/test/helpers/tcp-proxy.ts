// A TCP proxy a test can cut and restore, to put between a service and PostgreSQL.
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Refuses new connections and drops the open ones, as when the database host goes away. */
  cut(): Promise<void>;
  /**
   * Keeps accepting connections but passes nothing on, in either direction, as when packets to
   * the database host are dropped (a network partition): nothing fails, everything waits.
   */
  blackhole(): void;
  /** Accepts connections again on the same port (and passes traffic again). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let blackholed = false;

  const listen = async () => {
    const s = createServer((client) => {
      sockets.add(client);
      if (blackholed) {
        client.on("error", () => client.destroy());
        client.resume();
        return;
      }
      const upstream = createConnection(target);
      sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.on("data", (chunk) => {
        if (!blackholed) upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        if (!blackholed) client.write(chunk);
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        s.off("error", reject);
        resolve();
      });
    });
    const address = s.address();
    port = typeof address === "object" && address ? address.port : port;
    server = s;
  };

  const stop = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    blackhole: () => {
      blackholed = true;
    },
    restore: async () => {
      if (blackholed) {
        // Connections that lost bytes cannot carry on: drop them, the pool opens new ones.
        blackholed = false;
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      }
      if (!server) await listen();
    },
    close: stop,
  };
}
