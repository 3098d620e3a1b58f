import { type DoctorInput, errorText, type Report } from "./doctor-report.js";

export async function serviceCheck(r: Report, input: DoctorInput, base: string | undefined): Promise<void> {
  r.in("Service");
  const doFetch = input.fetch === undefined ? globalThis.fetch : input.fetch;
  if (!doFetch || !base) return;
  const url = `${base}/ready`;
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(3000), headers: { accept: "application/json" } });
  } catch (error) {
    r.warn(
      `no service answers at ${url} (${errorText(error)})`,
      "start the service, or check PUBLIC_URL and the load balancer: Stripe and Calendly must reach " +
        `${base}/webhooks/stripe and ${base}/webhooks/calendly`,
    );
    return;
  }
  let body: { status?: string; database?: string; pendingMigrations?: string[]; sandbox?: boolean } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = {};
  }
  if (res.status === 200 && body.status === "ready") {
    r.pass(`the service at ${base} is ready${body.sandbox ? " (in sandbox mode)" : ""}`);
  } else if (res.status === 503 && body.status === "not_ready") {
    r.fail(
      `the service at ${base} is not ready: database ${body.database ?? "?"}, pending migrations ${body.pendingMigrations?.join(", ") || "none"}`,
      "see the Database lines above and the service's logs",
    );
    return;
  } else {
    r.warn(
      `${url} answered ${res.status} without a readiness report: PUBLIC_URL may point at something else`,
      "set PUBLIC_URL to the base URL the service itself answers on",
    );
    return;
  }
  const expectSandbox = input.config.stripe.sandbox || input.config.calendly.sandbox;
  if (typeof body.sandbox === "boolean" && body.sandbox !== expectSandbox) {
    r.fail(
      `the service at ${base} runs ${body.sandbox ? "in sandbox mode" : "with live providers"}, but this environment ${expectSandbox ? "has no provider credentials" : "has live credentials"}`,
      "run the doctor with the service's own environment (the same env file or secrets)",
    );
  }
}
