// Child processes for servers under test: each in its own process, so the load generator
// never shares their event loop. A tiny IPC protocol: the child sends {type:"ready", port};
// the parent asks {id, type:"mem"|"profile-start"|"profile-stop"|"stop"} and the child
// answers {type:"reply", id, value}.
import { execFileSync, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

const children = new Set();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** Resident set size of a process, in bytes, from /proc (Linux). */
export function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU time (user + system, all threads) a process has used, in milliseconds, from /proc (Linux). */
export function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * Starts `script` as a child and resolves when it reports ready.
 * @returns {Promise<{pid:number, port:number, url:string, ready:object, rss():number, ask(type:string, extra?:object):Promise<any>, mem():Promise<NodeJS.MemoryUsage>, stop():Promise<number|null>}>}
 */
export function startChild(script, { env = {}, execArgv = [], timeoutMs = 60_000, args = [] } = {}) {
  const child = fork(script, args, {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  children.add(child);
  const exited = new Promise((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  let nextId = 1;
  const pending = new Map();
  const ask = (type, extra = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, type, ...extra });
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    const early = (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    };
    child.once("exit", early);
    child.on("message", (msg) => {
      if (msg?.type === "reply") {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error));
        else p?.resolve(msg.value);
      } else if (msg?.type === "ready") {
        clearTimeout(timer);
        child.off("exit", early);
        resolve({
          pid: child.pid,
          port: msg.port,
          url: `http://127.0.0.1:${msg.port}`,
          ready: msg,
          rss: () => rssOf(child.pid),
          ask,
          mem: () => ask("mem"),
          stop: async () => {
            if (child.exitCode !== null || !child.connected) return child.exitCode;
            const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
            child.send({ type: "stop" });
            const code = await exited;
            clearTimeout(killer);
            return code;
          },
        });
      }
    });
  });
}

/** The child side: report readiness and answer the parent's questions. */
export function serveChild({ port, extra = {}, close }) {
  let session;
  const handlers = {
    mem: () => process.memoryUsage(),
    "profile-start": async () => {
      session = new Session();
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", { interval: 500 });
      await session.post("Profiler.start");
      return true;
    },
    "profile-stop": async ({ file }) => {
      const { profile } = await session.post("Profiler.stop");
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
      return file;
    },
  };
  process.on("message", async (msg) => {
    if (msg?.type === "stop") {
      try {
        await close?.();
      } finally {
        process.exit(0);
      }
    }
    const handler = handlers[msg?.type];
    if (!handler) return;
    try {
      process.send({ type: "reply", id: msg.id, value: await handler(msg) });
    } catch (error) {
      process.send({ type: "reply", id: msg.id, error: String(error) });
    }
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ type: "ready", port, ...extra });
}

/** Samples a child's RSS every `everyMs` while `work` runs; returns the work's result and the samples. */
export async function sampleRss(pid, work, everyMs = 200) {
  const samples = [rssOf(pid)];
  const timer = setInterval(() => samples.push(rssOf(pid)), everyMs);
  try {
    const result = await work();
    return { result, samples };
  } finally {
    clearInterval(timer);
    samples.push(rssOf(pid));
  }
}
