// End-to-end helpers: a demo stack per test file (same startDemo() as `npm start`), Debian's
// Chromium through playwright-core, a console/exception watch that fails the test, and
// numbered screenshots of every state a test passes through.
import { createWriteStream, mkdirSync, readdirSync, rmSync, type WriteStream } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Frame,
  type FrameLocator,
  type Locator,
  type Page,
} from "playwright-core";
import type { Test } from "tap";
import { recordPersonalData, runLogDir } from "../../../service/test/helpers/log-scan.js";
import { type Demo, startDemo } from "../../src/demo.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const screenshotDir = path.resolve(here, "..", "..", "screenshots");
/** The service's log lines of this run, scanned at its end (test/suite-log-scan.ts). */
const logDir = runLogDir(path.resolve(here, "..", ".."));

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

type TestLike = Pick<Test, "teardown" | "same" | "comment">;

/**
 * A full demo stack on ephemeral ports with an in-memory database. Never inherits the
 * developer's environment, so real credentials can't leak into a test run.
 */
export async function startTestDemo(t: TestLike, env: NodeJS.ProcessEnv = {}): Promise<Demo> {
  const demo = await startDemo({
    env: {
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      PGLITE_DIR: "memory://",
      PORT: "0",
      SANDBOX_CALENDLY_PORT: "0",
      SANDBOX_STRIPE_PORT: "0",
      ...env,
    },
    ports: { marketplace: 0, builderSite: 0, blocked: 0 },
    logger: { level: "debug", stream: runLogStream() },
  });
  t.teardown(() => demo.close());
  return demo;
}

let logStream: WriteStream | undefined;
function runLogStream(): { write(line: string): void } {
  if (!logStream) {
    mkdirSync(logDir, { recursive: true });
    const name = path.basename(process.argv[1] ?? "test", ".ts").replace(/\W+/g, "-");
    logStream = createWriteStream(path.join(logDir, `${name}-${process.pid}.log`), { flags: "a" });
  }
  const out = logStream;
  return { write: (line) => void out.write(line) };
}

export async function launchBrowser(t: TestLike): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.teardown(() => browser.close());
  return browser;
}

/** A console message or exception the test expects, with the reason it is expected. */
export interface Expected {
  text: RegExp;
  /** Matched against the message's source URL. */
  url?: RegExp;
  why: string;
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Every console error and uncaught exception seen on any page of the context. */
  problems: string[];
  /** Every `baw-state-change` of every element, in order, with the page path it happened on. */
  states: { state: string; path: string }[];
  /** Every request any page made. */
  requests: string[];
  /**
   * Saves `screenshots/<test>-<nn>-<state>.png` of `page` (default: the session's first page):
   * the full page, or with `focus` the viewport scrolled to that element (Chromium leaves
   * cross-origin iframes outside the viewport unpainted in full-page captures).
   */
  shot(state: string, page?: Page, focus?: Locator): Promise<void>;
  /** Fails the test when anything unexpected reached the console or went uncaught. */
  assertClean(): void;
}

/**
 * A browser context for one test. Console errors and page errors on any of its pages (popups
 * included) are collected; `assertClean()` (run in teardown too) fails on any not in `expected`.
 */
export async function openSession(
  t: TestLike,
  browser: Browser,
  name: string,
  options: { contextOptions?: BrowserContextOptions; expected?: Expected[] } = {},
): Promise<Session> {
  mkdirSync(screenshotDir, { recursive: true });
  for (const file of readdirSync(screenshotDir)) {
    if (file.startsWith(`${name}-`) && file.endsWith(".png")) rmSync(path.join(screenshotDir, file));
  }
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: "en-US",
    timezoneId: "America/New_York",
    ...options.contextOptions,
  });
  const problems: string[] = [];
  const states: Session["states"] = [];
  const requests: string[] = [];
  const expected = options.expected ?? [];
  const expectedSeen: string[] = [];
  const isExpected = (text: string, url: string) => {
    const hit = expected.find((e) => e.text.test(text) && (!e.url || e.url.test(url)));
    if (hit) expectedSeen.push(`${text} (${url}): expected, ${hit.why}`);
    return hit !== undefined;
  };

  await context.exposeBinding("__bawRecordState", ({ frame }, state: string) => {
    states.push({ state, path: new URL(frame.url()).pathname });
  });
  await context.addInitScript(() => {
    document.addEventListener("baw-state-change", (event) => {
      const record = (window as unknown as { __bawRecordState?: (s: string) => void }).__bawRecordState;
      record?.((event as CustomEvent<{ state: string }>).detail.state);
    });
  });

  const watch = (page: Page) => {
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const url = msg.location().url;
      if (!isExpected(msg.text(), url))
        problems.push(`console error on ${page.url()}: ${JSON.stringify(msg.text())} (${url})`);
    });
    page.on("pageerror", (error) => {
      if (!isExpected(error.message, page.url()))
        problems.push(`uncaught exception on ${page.url()}: ${error.message}`);
    });
    page.on("request", (request) => {
      requests.push(request.url());
    });
  };
  context.on("page", watch);
  const page = await context.newPage();

  let shots = 0;
  let checked = false;
  const session: Session = {
    context,
    page,
    problems,
    states,
    requests,
    async shot(state, target = page, focus) {
      shots += 1;
      const file = path.join(screenshotDir, `${name}-${String(shots).padStart(2, "0")}-${state}.png`);
      if (focus) {
        await focus.scrollIntoViewIfNeeded();
        await target.screenshot({ path: file });
        return;
      }
      // Full-page captures of a scrolled page repeat the sticky header mid-page; start from the top.
      await target.evaluate(() => window.scrollTo(0, 0));
      await target.screenshot({ path: file, fullPage: true });
    },
    assertClean() {
      checked = true;
      for (const line of expectedSeen) t.comment(line);
      t.same(problems, [], "no console errors or uncaught exceptions in the pages");
    },
  };
  t.teardown(async () => {
    if (!checked) session.assertClean();
    await context.close();
  });
  return session;
}

/** The `<baw-book-builder>` on `scope` (a page or a frame). */
export function widget(scope: Page | Frame | FrameLocator) {
  return scope.locator("baw-book-builder");
}

/** The text of the element's current view (inside its shadow root), whitespace collapsed. */
export async function widgetText(scope: Page | Frame | FrameLocator): Promise<string> {
  return plain(await widget(scope).locator("[part~=base]").textContent());
}

/**
 * The element's text once it matches `pattern` (or, after `timeout`, whatever it shows, for the
 * caller's assertion to report). A state's view can come with a chunk loaded on demand, so right
 * after the state changes the element may still show its placeholder.
 */
export async function widgetTextMatching(
  scope: Page | Frame | FrameLocator,
  pattern: RegExp | string,
  timeout = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = await widgetText(scope);
    const matches = typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
    if (matches || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the element reflects `state` (the `state` attribute). */
export async function waitForState(scope: Page | Frame | FrameLocator, state: string, timeout = 20_000) {
  await scope.locator(`baw-book-builder[state="${state}"]`).waitFor({ state: "attached", timeout });
}

/** The Calendly iframe inside the element (open shadow roots are pierced by locators). */
export function calendly(scope: Page | FrameLocator): FrameLocator {
  return scope.frameLocator("baw-book-builder iframe");
}

/** Picks the first free slot in the sandbox Calendly, fills the invitee, and schedules. */
export async function scheduleFirstSlot(
  frame: FrameLocator,
  invitee = { name: "Ada Lovelace", email: "ada@example.com" },
): Promise<string> {
  const slot = frame.locator("[data-slot]:not([disabled])").first();
  await slot.waitFor({ timeout: 20_000 });
  const start = (await slot.getAttribute("data-slot"))!;
  await slot.click();
  recordPersonalData(logDir, [invitee]);
  await frame.locator("#invitee-name").fill(invitee.name);
  await frame.locator("#invitee-email").fill(invitee.email);
  await frame.locator("#schedule").click();
  return start;
}

/**
 * Pay first: picks the first free time in the element's own picker, fills the visitor's details
 * (and the answers, by question), and sends them on to payment.
 */
export async function reserveFirstTime(
  scope: Page | FrameLocator,
  invitee = { name: "Grace Hopper", email: "grace@example.com" },
  answers: Record<string, string> = {},
): Promise<void> {
  const element = widget(scope);
  const time = element.getByRole("listbox").getByRole("option").first();
  await time.waitFor({ timeout: 20_000 });
  await time.click();
  await element.getByRole("button", { name: "Continue", exact: true }).click();
  recordPersonalData(logDir, [invitee]);
  await element.getByLabel("Name", { exact: true }).fill(invitee.name);
  await element.getByLabel("E-mail", { exact: true }).fill(invitee.email);
  for (const [question, answer] of Object.entries(answers)) await element.getByLabel(question).fill(answer);
  await element.getByRole("button", { name: "Continue to payment" }).click();
}

/** Polls `check` until it returns something truthy. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Collapses the many spaces ICU uses (narrow no-break, thin) so texts compare plainly. */
export const plain = (text: string | null | undefined): string => (text ?? "").replace(/\s+/gu, " ").trim();
