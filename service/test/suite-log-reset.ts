// tap's `before` script: each run scans only its own logs.
import { rmSync } from "node:fs";
import { suiteLogDir } from "./helpers/suite-logs.js";

rmSync(suiteLogDir, { recursive: true, force: true });
