import { timestampDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { JobStatus, ScopeKind, type RevokeJob } from "@warden/proto/jobs/v1";

/** A timestamp in the viewer's locale; "–" when unset. */
export function formatTime(ts: Timestamp | undefined): string {
  if (!ts || (ts.seconds === 0n && ts.nanos === 0)) return "–";
  return timestampDate(ts).toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** A duration in its largest whole unit ("30 s", "10 min", "1 h", "1 d"), else "1 h 30 min"; "–" when unset. */
export function formatInterval(duration: Duration | undefined): string {
  if (!duration) return "–";
  const ms = Number(duration.seconds) * 1000 + Math.round(duration.nanos / 1e6);
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1000],
    ["ms", 1],
  ];
  const parts: string[] = [];
  let left = ms;
  for (const [unit, size] of units) {
    if (left >= size && parts.length < 2) {
      parts.push(`${Math.floor(left / size)} ${unit}`);
      left %= size;
    }
  }
  return parts.join(" ") || "0 s";
}

/** A count with thousands separators. */
export function formatCount(n: bigint | number): string {
  return Number(n).toLocaleString("en-US");
}

/** COMPLETED, RUNNING, … */
export function jobStatusName(job: RevokeJob): string {
  return JobStatus[job.status] ?? "UNKNOWN";
}

/** `project:prj_…` */
export function scopeText(job: RevokeJob): string {
  const kind = (ScopeKind[job.scope?.kind ?? 0] ?? "").toLowerCase().replace(/_/g, "-");
  return `${kind}:${job.scope?.id ?? ""}`;
}

/** True once a job can no longer change (its watch stream ends). */
export function isTerminal(job: RevokeJob): boolean {
  return (
    job.status === JobStatus.COMPLETED ||
    job.status === JobStatus.COMPLETED_WITH_FAILURES ||
    job.status === JobStatus.CANCELLED
  );
}
