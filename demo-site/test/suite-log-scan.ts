// tap's `after` script: every service log line the end-to-end run wrote (test/helpers/e2e.ts)
// against every invitee name and e-mail its visitors typed, and PII and secrets of any kind.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { forbiddenShapes, runLogDir, scanRunLogs } from "../../service/test/helpers/log-scan.js";

const dir = runLogDir(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."));
process.exitCode = scanRunLogs(dir, forbiddenShapes);
