// The production entry point cannot load a fake: no module its import graph reaches (static
// imports, re-exports, dynamic import()) is part of the sandbox package.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { type ImportGraph, importGraph, packageDir, packageName } from "./helpers/import-graph.js";

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(serviceDir, "dist");
const sandboxDir = path.join(serviceDir, "sandbox");

/** The graph's modules and packages that belong to the sandbox package, by path. */
function sandboxReach(graph: ImportGraph): string[] {
  const inSandbox = (file: string) => file === sandboxDir || file.startsWith(`${sandboxDir}${path.sep}`);
  const found = [...graph.modules].filter(inSandbox);
  for (const [specifier, importer] of graph.packages) {
    const dir = packageDir(packageName(specifier), path.dirname(importer));
    if (dir && inSandbox(dir)) found.push(`${specifier} (imported by ${path.relative(serviceDir, importer)})`);
  }
  return found;
}

t.before(() => {
  if (!existsSync(path.join(dist, "server.js"))) throw new Error("build the service first: npm run build -w service");
});

t.test("the built server.js reaches no module of @baw/sandbox", async (t) => {
  const graph = importGraph(path.join(dist, "server.js"));
  t.ok(graph.modules.has(path.join(dist, "plugins", "providers.js")), "the walk reaches the providers plugin");
  t.ok(graph.packages.has("stripe"), "and the real Stripe client");
  t.same(sandboxReach(graph), [], "no fake");
  t.same(
    graph.opaque.map((f) => path.relative(serviceDir, f)),
    [],
    "no import() the walk could not follow",
  );
});

t.test("the walk finds the sandbox where it is loaded, dynamically or not", async (t) => {
  // The doctor starts a sandbox of its own with import("@baw/sandbox"): the check must see it.
  const doctor = sandboxReach(importGraph(path.join(dist, "cli", "doctor.js")));
  t.match(doctor, [/^@baw\/sandbox \(imported by dist\/cli\/local-sandbox\.js\)$/]);
  // And a fake's own modules, reached through relative imports.
  const fake = importGraph(path.join(sandboxDir, "dist", "index.js"));
  t.ok(sandboxReach(fake).length > 5, "every module of the package's entry is the sandbox's");
});
