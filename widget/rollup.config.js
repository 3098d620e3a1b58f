// The CDN bundle: one minified ES module with Lit inside. (npm consumers get tsc's dist/ with
// lit as an external dependency.)
import resolve from "@rollup/plugin-node-resolve";
import terser from "@rollup/plugin-terser";
import typescript from "@rollup/plugin-typescript";

/** Collapses the whitespace of the one template literal in src/styles.ts (it holds nothing but CSS). */
const minifyStyles = {
  name: "minify-styles",
  transform(code, id) {
    if (!id.endsWith("/src/styles.ts")) return null; // after TypeScript: the module is JS by now
    const css = (s) =>
      s
        .replace(/\s+/g, " ")
        .replace(/ ?([{};,]) ?/g, "$1")
        .replace(/: /g, ":")
        .replace(/;}/g, "}");
    return { code: code.replace(/`([^`]*)`/, (_, s) => `\`${css(s)}\``), map: null };
  },
};

/**
 * Collapses the whitespace in the text of Lit's html`` templates of the element's own sources,
 * nested ones included: a line break with its indentation becomes nothing between tags and one
 * space elsewhere.
 */
const minifyTemplates = {
  name: "minify-templates",
  transform(code, id) {
    if (!id.includes("/widget/src/") || !/html ?`/.test(code)) return null;
    const quasis = [];
    const walk = (node) => {
      if (!node || typeof node.type !== "string") return;
      if (node.type === "TaggedTemplateExpression" && node.tag.type === "Identifier" && node.tag.name === "html") {
        quasis.push(...node.quasi.quasis);
      }
      for (const value of Object.values(node)) {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value && typeof value === "object") walk(value);
      }
    };
    walk(this.parse(code));
    let out = code;
    for (const q of quasis.sort((a, b) => b.start - a.start)) {
      const text = out
        .slice(q.start, q.end)
        .replace(/>\s*\n\s*</g, "><")
        .replace(/\n\s*/g, " ");
      out = out.slice(0, q.start) + text + out.slice(q.end);
    }
    return { code: out, map: null };
  },
};

export default {
  input: "src/cdn.ts",
  // Lets the lazily loaded chunks import shared code from the entry itself (no facade file).
  preserveEntrySignatures: "allow-extension",
  output: {
    dir: "dist/cdn",
    format: "esm",
    sourcemap: true,
    entryFileNames: "baw-book-builder.js",
    // Locales other than English load on first use, from beside the bundle.
    chunkFileNames: "baw-book-builder.[name].js",
  },
  plugins: [
    typescript({
      tsconfig: "./tsconfig.build.json",
      compilerOptions: { outDir: "dist/cdn", declaration: false, declarationMap: false },
    }),
    minifyStyles,
    minifyTemplates,
    resolve(),
    terser({
      ecma: 2022,
      module: true,
      compress: { passes: 2 },
      // Private members (`_name`) get short names; Lit's own internals (`_$xy`, `_`) are left alone.
      mangle: { properties: { regex: /^_[a-zA-Z]/ } },
      format: {
        comments: false,
        preamble: "/*! baw-book-builder MIT; Lit (c) Google LLC BSD-3-Clause */",
      },
    }),
  ],
};
