// Writes the widget's contract types: `npm run contract:types -w service`.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WIDGET_TYPES_FILE, widgetTypes } from "./typescript.js";

const target = fileURLToPath(new URL(`../../../${WIDGET_TYPES_FILE}`, import.meta.url));
writeFileSync(target, widgetTypes());
console.log(`wrote ${WIDGET_TYPES_FILE}`);
