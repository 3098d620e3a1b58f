// The modules a built entry point can load: its static imports and re-exports and its dynamic
// import()s, followed through relative paths; bare specifiers (packages) are recorded, not entered.
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export interface ImportGraph {
  /** Every module file reached, entry included. */
  modules: Set<string>;
  /** Each package specifier imported, with the first module that imports it. */
  packages: Map<string, string>;
  /** Modules with an import() whose specifier is not a string literal (cannot be followed). */
  opaque: string[];
}

export function importGraph(entry: string): ImportGraph {
  const graph: ImportGraph = { modules: new Set(), packages: new Map(), opaque: [] };
  const pending = [path.resolve(entry)];
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (graph.modules.has(file)) continue;
    graph.modules.add(file);
    const source = readFileSync(file, "utf8");
    if (/\bimport\s*\(\s*[^\s"'`]/.test(source)) graph.opaque.push(file);
    for (const { fileName: specifier } of ts.preProcessFile(source, true, true).importedFiles) {
      if (specifier.startsWith(".") || specifier.startsWith("/")) {
        pending.push(path.resolve(path.dirname(file), specifier));
      } else if (!specifier.startsWith("node:") && !graph.packages.has(specifier)) {
        graph.packages.set(specifier, file);
      }
    }
  }
  return graph;
}

/** The package name of a bare specifier ("@scope/name/sub" → "@scope/name"). */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/** Where a package resolves from `fromDir` (symlinks followed), or undefined when it is not installed. */
export function packageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    try {
      return realpathSync(path.join(dir, "node_modules", name));
    } catch {
      if (path.dirname(dir) === dir) return undefined;
    }
  }
}
