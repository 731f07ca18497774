import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ActorKind, type AuditEvent } from "@warden/proto/audit/v1";
import { el, replaceChildren, table } from "./element.js";
import { formatTime } from "./format.js";
import type { PageContext } from "./page-context.js";

const PAGE_SIZE = 50;
const FILTERS = [
  { name: "action", label: "Action", placeholder: "warden.jobs.v1.JobsService/CreateRevokeJob" },
  { name: "actorId", label: "Actor", placeholder: "key_… or ls_…" },
  { name: "objectId", label: "Object", placeholder: "pj_…, ca_…, key_…" },
  { name: "outcome", label: "Outcome", placeholder: "ok, unauthenticated, …" },
] as const;

function actorText(event: AuditEvent): string {
  const kind = (ActorKind[event.actorKind] ?? "").toLowerCase().replace(/_/g, " ");
  return event.actorId ? `${kind} ${event.actorId}` : kind;
}

function eventRow(event: AuditEvent): HTMLTableRowElement {
  return el(
    "tr",
    { class: event.outcome === "ok" ? undefined : "failed" },
    el("td", { class: "nowrap" }, formatTime(event.occurredAt)),
    el("td", { class: "mono" }, actorText(event)),
    el("td", { class: "mono" }, event.action.replace(/^warden\./, "")),
    el("td", { class: "mono" }, event.outcome),
    el("td", { class: "mono" }, event.objectIds.join(" ") || "–"),
    el("td", { class: "mono" }, event.clientAddress || "–"),
    el("td", {}, event.reason || "–"),
  );
}

/**
 * The audit log, newest first, with filters: the operator key sees every org,
 * an API key with audit:read its own org (the server enforces both).
 */
export async function renderAuditPage(ctx: PageContext): Promise<void> {
  const holder = el("div");
  const inputs = Object.fromEntries(
    FILTERS.map((f) => [f.name, el("input", { type: "text", name: f.name, placeholder: f.placeholder })]),
  ) as Record<(typeof FILTERS)[number]["name"], HTMLInputElement>;
  const since = el("input", { type: "datetime-local", name: "since" });
  let cursors: string[] = [];
  let cursor = "";

  function request() {
    const sinceDate = since.value ? new Date(since.value) : undefined;
    return {
      action: inputs.action.value.trim(),
      actorId: inputs.actorId.value.trim(),
      objectId: inputs.objectId.value.trim(),
      outcome: inputs.outcome.value.trim(),
      since: sinceDate && !Number.isNaN(sinceDate.getTime()) ? timestampFromDate(sinceDate) : undefined,
      pageSize: PAGE_SIZE,
      cursor,
    };
  }

  async function load(): Promise<void> {
    const page = await ctx.clients.audit.listAuditEvents(request(), { signal: ctx.signal });
    const previous = el("button", { type: "button", disabled: cursors.length === 0 }, "← Previous");
    const next = el("button", { type: "button", disabled: page.nextCursor === "" }, "Next →");
    previous.addEventListener("click", () => {
      cursor = cursors.pop() ?? "";
      void load().catch(ctx.fail);
    });
    next.addEventListener("click", () => {
      cursors.push(cursor);
      cursor = page.nextCursor;
      void load().catch(ctx.fail);
    });
    replaceChildren(
      holder,
      table(
        [
          { label: "Time" },
          { label: "Actor" },
          { label: "Action" },
          { label: "Outcome" },
          { label: "Objects" },
          { label: "Client" },
          { label: "Reason" },
        ],
        page.events.map(eventRow),
        "No audit event matches.",
      ),
      el(
        "div",
        { class: "pager" },
        previous,
        next,
        el("span", { class: "muted" }, `page ${cursors.length + 1}`),
      ),
    );
  }

  const form = el(
    "form",
    { class: "filters", id: "audit-filters" },
    ...FILTERS.map((f) => el("label", {}, f.label, " ", inputs[f.name])),
    el("label", {}, "Since ", since),
    el("button", { type: "submit" }, "Apply"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    cursors = [];
    cursor = "";
    void load().catch(ctx.fail);
  });

  replaceChildren(
    ctx.root,
    el(
      "div",
      { class: "toolbar" },
      el("h1", {}, "Audit log"),
      el("span", { class: "spacer" }),
      el("button", { type: "button", onclick: () => ctx.reload() }, "Refresh"),
    ),
    el(
      "p",
      { class: "muted" },
      "Every mutating call, token read and refused call, newest first. Needs the operator key or an API key with audit:read.",
    ),
    form,
    holder,
  );
  await load();
}
