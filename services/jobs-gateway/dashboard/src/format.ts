import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
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
