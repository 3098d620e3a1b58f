#!/usr/bin/env node
// `baw-sandbox`: the fakes on their own (see serve.ts for the variables it reads).
import { sandboxOptionsFromEnv, serveSandbox } from "./serve.js";

serveSandbox(sandboxOptionsFromEnv(process.env)).catch((error: unknown) => {
  process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
