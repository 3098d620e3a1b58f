// tap's `after` script: every log line the run's services wrote (test apps and cluster processes,
// test/helpers/suite-logs.ts) against every invitee name and e-mail the run used, and against the
// secrets and shapes forbiddenInLogs lists. A finding fails the run.
import { forbiddenInLogs } from "./helpers/cluster.js";
import { scanRunLogs } from "./helpers/log-scan.js";
import { suiteLogDir } from "./helpers/suite-logs.js";

process.exitCode = scanRunLogs(suiteLogDir, forbiddenInLogs());
