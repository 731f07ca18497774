import type { RevokeJob } from "@warden/proto/jobs/v1";
import { el } from "./element.js";
import { formatCount } from "./format.js";

/** A stacked bar (revoked, failed, skipped, cancelled over total) with "worked / total · percent" (cancelled items not counted as worked). */
export function progressBar(job: RevokeJob): HTMLElement {
  const c = job.counts;
  const total = Number(c?.total ?? 0n);
  const part = (n: bigint | undefined) => (total === 0 ? 0 : (Number(n ?? 0n) * 100) / total);
  // Cancelled items were never worked: a cancelled job shows how far it got, not 100%.
  const done = Number((c?.revoked ?? 0n) + (c?.failed ?? 0n) + (c?.skipped ?? 0n));
  const percent = total === 0 ? 0 : Math.floor((done * 100) / total);
  const bar = el("div", {
    class: "bar",
    role: "progressbar",
    "aria-valuenow": String(percent),
    "aria-valuemin": "0",
    "aria-valuemax": "100",
  });
  for (const [kind, n] of [
    ["revoked", c?.revoked],
    ["failed", c?.failed],
    ["skipped", c?.skipped],
    ["cancelled", c?.cancelled],
  ] as const) {
    const segment = el("span", { class: kind, title: `${kind}: ${formatCount(n ?? 0n)}` });
    segment.style.width = `${part(n)}%`;
    bar.append(segment);
  }
  const label = total === 0 ? "planning…" : `${formatCount(done)} / ${formatCount(total)} · ${percent}%`;
  return el("div", { class: "progress" }, bar, el("span", { class: "label" }, label));
}
