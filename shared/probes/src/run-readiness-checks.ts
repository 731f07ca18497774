/** A readiness check: resolves when the dependency answers, rejects (or hangs) when it does not. */
export type ReadinessCheck = () => Promise<void>;

/** Per-dependency outcome: "ok", "timeout", or "error" with a short error code when one is known. */
export type CheckOutcome = "ok" | "timeout" | `error${string}`;

/** Outcome of one readiness round; `checks` is safe to publish, `failures` is for logs only. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckOutcome>;
  /** The raw failures, for the log only — their messages never reach the HTTP response. */
  failures: Record<string, unknown>;
}

// Codes such as ECONNREFUSED or 57P01 say what broke without echoing a
// message that might contain a connection string.
const SAFE_CODE = /^[A-Z0-9_]{2,32}$/;

/**
 * Runs every check at once, each bounded by `timeoutMs`, so one hung
 * dependency cannot stall the probe; ready only if all succeed.
 */
export async function runReadinessChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const outcomes = await Promise.all(names.map((name) => runOne(checks[name]!, timeoutMs)));
  const report: ReadinessReport = { ready: true, checks: {}, failures: {} };
  names.forEach((name, index) => {
    const { outcome, failure } = outcomes[index]!;
    report.checks[name] = outcome;
    if (outcome !== "ok") {
      report.ready = false;
      report.failures[name] = failure;
    }
  });
  return report;
}

async function runOne(
  check: ReadinessCheck,
  timeoutMs: number,
): Promise<{ outcome: CheckOutcome; failure?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol("timeout");
  const deadline = new Promise<typeof timedOut>(
    (resolve) => (timer = setTimeout(() => resolve(timedOut), timeoutMs)),
  );
  try {
    // The check is called inside the try so a synchronous throw counts as a failure too.
    const result = await Promise.race([check().then(() => "ok" as const), deadline]);
    return result === timedOut
      ? { outcome: "timeout", failure: `no answer within ${timeoutMs}ms` }
      : { outcome: "ok" };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return {
      outcome: typeof code === "string" && SAFE_CODE.test(code) ? `error: ${code}` : "error",
      failure: error,
    };
  } finally {
    clearTimeout(timer);
  }
}
