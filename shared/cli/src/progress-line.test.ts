import { create } from "@bufbuild/protobuf";
import { JobStatus, RevokeJobSchema } from "@warden/proto/jobs/v1";
import { describe, expect, it } from "vitest";
import { RateMeter, renderProgressBar, renderProgressLine, renderSummary } from "./progress-line.js";

const job = (
  status: JobStatus,
  counts: Partial<Record<"total" | "pending" | "revoked" | "failed" | "skipped" | "cancelled", bigint>>,
) => create(RevokeJobSchema, { id: "pj_abc", status, run: 1, counts });

describe("progress rendering", () => {
  it("the bar shows status, percent, every count and the rate, and is cut (never wrapped) on a narrow terminal", () => {
    const running = job(JobStatus.RUNNING, {
      total: 10_000n,
      pending: 4_800n,
      revoked: 5_100n,
      failed: 20n,
      skipped: 80n,
    });
    const wide = renderProgressBar(running, 1234.5, 120);
    expect(wide).toMatch(/^RUNNING \[█+░+\] {2}52%/);
    expect(wide.replace(/^RUNNING \[█+░+\]/, "")).toBe(
      "  52%  revoked 5,100  failed 20  skipped 80  pending 4,800  1.2k/s",
    );
    expect(wide.length).toBeLessThan(120);
    const narrow = renderProgressBar(running, 1234.5, 50);
    expect(narrow.length).toBeLessThanOrEqual(49);
    expect(narrow.endsWith("…")).toBe(true);
    expect(renderProgressBar(job(JobStatus.PLANNING, {}), undefined, 80)).toMatch(
      /^PLANNING \[░+\] planning…$/,
    );
  });

  it("plain lines carry the id and key=value counts; the summary adds up the outcome", () => {
    const done = job(JobStatus.CANCELLED, { total: 1000n, revoked: 300n, failed: 100n, cancelled: 600n });
    expect(renderProgressLine(done, undefined)).toBe(
      "pj_abc CANCELLED 40% total=1,000 revoked=300 failed=100 skipped=0 pending=0 cancelled=600 rate=–/s",
    );
    expect(renderSummary(done, 2500)).toBe(
      "pj_abc CANCELLED: 300 revoked, 100 failed, 0 skipped, 600 cancelled of 1,000 in 2.5s",
    );
  });

  it("the rate is measured over a sliding window of samples", () => {
    const meter = new RateMeter(10_000);
    meter.record(0n, 0);
    expect(meter.rate()).toBeUndefined();
    meter.record(500n, 1000);
    expect(meter.rate()).toBe(500);
    for (let t = 2000; t <= 30_000; t += 1000) meter.record(BigInt(500 + (t - 1000) / 10), t);
    // Only the last ~10 s count: 100 items a second, not the early burst.
    expect(meter.rate()).toBeCloseTo(100, 5);
  });
});
