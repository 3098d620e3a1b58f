// The run-wide log scan: it looks for every name and e-mail the run recorded, as whole words.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import t from "tap";
import { forbiddenShapes, recordPersonalData, scanRunLogs } from "./helpers/log-scan.js";

t.test("a recorded name in any log file fails the scan; other words that contain it do not", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "baw-log-scan-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  recordPersonalData(dir, [{ name: "Ada Byron", email: "ada@guests.example" }, { name: "Kit" }]);
  writeFileSync(path.join(dir, "clean.log"), '{"msg":"request","url":"/v1/kits","note":"Kitchen"}\n');
  const errors: string[] = [];
  t.intercept(console, "error", { value: (line: string) => errors.push(line) });
  t.intercept(console, "log", { value: () => {} });
  t.equal(scanRunLogs(dir, forbiddenShapes), 0, "a clean run passes");

  writeFileSync(path.join(dir, "nested.log"), '{"msg":"booking failed","err":{"message":"for Ada Byron"}}\n');
  t.equal(scanRunLogs(dir, forbiddenShapes), 1, "a name found fails the run");
  t.match(errors.join("\n"), /nested\.log:1: the invitee name "Ada Byron"/);
  t.match(errors.join("\n"), /1 finding/);
});
