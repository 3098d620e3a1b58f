// Importing the package must not touch the DOM at module top level (server-side rendering, tests in
// Node). Lit's Node build brings a minimal DOM shim; the element's own modules must need nothing more.
const m = await import("../dist/index.js");
const el = new m.BawBookBuilder();
if (el.state !== "loading" || typeof m.define !== "function") throw new Error("unexpected exports");
console.log(`dist/index.js imports in Node ${process.versions.node} (${Object.keys(m).length} exports)`);
