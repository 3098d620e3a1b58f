// tap's `before` script: each run scans only its own logs.
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runLogDir } from "../../service/test/helpers/log-scan.js";

rmSync(runLogDir(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")), { recursive: true, force: true });
