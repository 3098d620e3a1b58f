// `cem analyze` settings for custom-elements.json.
export default {
  globs: ["src/**/*.ts"],
  exclude: ["src/jsx.ts", "src/cdn.ts"],
  litelement: true,
  plugins: [
    {
      // Events are declared with @fires; `dispatchEvent(new BawXEvent(detail))` adds a nameless duplicate.
      name: "drop-unnamed-events",
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const d of mod.declarations ?? []) if (d.events) d.events = d.events.filter((e) => e.name);
        }
      },
    },
  ],
};
