import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { JobStatus, ScopeKind } from "@warden/proto/jobs/v1";
import { el } from "./element.js";

/** The job list's filters as ListRevokeJobs takes them. */
export interface JobFilterValues {
  status: JobStatus;
  scopeKind: ScopeKind;
  createdAfter?: Timestamp;
  createdBefore?: Timestamp;
}

function select<E extends number>(id: string, label: string, options: Array<[string, E]>): HTMLSelectElement {
  const node = el("select", { id, "aria-label": label });
  for (const [text, value] of options) node.append(el("option", { value: String(value) }, text));
  return node;
}

/** Status, scope kind and creation-date filters; `onChange` gets the values whenever one changes. */
export function jobFilters(onChange: (values: JobFilterValues) => void): HTMLElement {
  const status = select("filter-status", "Status", [
    ["Any status", JobStatus.UNSPECIFIED],
    ["Running", JobStatus.RUNNING],
    ["Planning", JobStatus.PLANNING],
    ["Completed", JobStatus.COMPLETED],
    ["Completed with failures", JobStatus.COMPLETED_WITH_FAILURES],
    ["Cancelled", JobStatus.CANCELLED],
  ]);
  const kind = select("filter-scope", "Scope kind", [
    ["Any scope", ScopeKind.UNSPECIFIED],
    ["Org", ScopeKind.ORG],
    ["Project", ScopeKind.PROJECT],
    ["Auth config", ScopeKind.AUTH_CONFIG],
    ["Account", ScopeKind.CONNECTED_ACCOUNT],
  ]);
  const after = el("input", { type: "date", id: "filter-after", "aria-label": "Created from" });
  const before = el("input", { type: "date", id: "filter-before", "aria-label": "Created before" });
  const day = (input: HTMLInputElement) =>
    input.value ? timestampFromDate(new Date(`${input.value}T00:00:00Z`)) : undefined;
  const changed = () =>
    onChange({
      status: Number(status.value) as JobStatus,
      scopeKind: Number(kind.value) as ScopeKind,
      createdAfter: day(after),
      createdBefore: day(before),
    });
  for (const input of [status, kind, after, before]) input.addEventListener("change", changed);
  return el(
    "div",
    { class: "filters", id: "job-filters" },
    status,
    kind,
    el("label", {}, "from ", after),
    el("label", {}, "before ", before),
  );
}
