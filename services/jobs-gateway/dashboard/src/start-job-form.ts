import { ScopeKind, type RevokePreview } from "@warden/proto/jobs/v1";
import { showBanner } from "./banner.js";
import { el, replaceChildren, table } from "./element.js";
import { formatCount } from "./format.js";
import type { PageContext } from "./page-context.js";

const KINDS: Array<[string, ScopeKind, string]> = [
  ["Project", ScopeKind.PROJECT, "prj_…"],
  ["Auth config", ScopeKind.AUTH_CONFIG, "ac_…"],
  ["Account", ScopeKind.CONNECTED_ACCOUNT, "ca_…"],
  ["Org", ScopeKind.ORG, "org_…"],
];

function previewTable(preview: RevokePreview): HTMLDivElement {
  return table(
    [
      { label: "Auth config" },
      { label: "Name" },
      { label: "Project" },
      { label: "Accounts", numeric: true },
      { label: "Active", numeric: true },
      { label: "Needs reconnect", numeric: true },
      { label: "Revokes at provider" },
    ],
    preview.authConfigs.map((c) =>
      el(
        "tr",
        {},
        el("td", { class: "mono" }, c.authConfigId),
        el("td", {}, c.name),
        el("td", { class: "mono" }, c.projectId),
        el("td", { class: "num" }, formatCount(c.total)),
        el("td", { class: "num" }, formatCount(c.active)),
        el("td", { class: "num" }, formatCount(c.needsReconnect)),
        el("td", {}, c.revokesAtProvider ? "yes" : "no: wiped locally, SKIPPED"),
      ),
    ),
    "No accounts with tokens in this scope.",
  );
}

/**
 * "Start a revoke job": pick a scope, see the dry run (accounts per auth
 * config, nothing started), then start it; an org scope must be confirmed by
 * typing its id, since it revokes every project at once.
 */
export function startJobForm(ctx: PageContext): HTMLElement {
  const kind = el("select", { id: "start-kind", "aria-label": "Scope kind" });
  for (const [label, value] of KINDS) kind.append(el("option", { value: String(value) }, label));
  const id = el("input", { id: "start-id", "aria-label": "Scope id", placeholder: "prj_…", required: true });
  kind.addEventListener("change", () => {
    id.placeholder = KINDS.find(([, v]) => String(v) === kind.value)?.[2] ?? "";
    replaceChildren(result);
  });
  const result = el("div", { id: "start-preview" });
  const scope = () => ({ kind: Number(kind.value) as ScopeKind, id: id.value.trim() });

  async function preview(event: Event): Promise<void> {
    event.preventDefault();
    const { preview } = await ctx.clients.jobs.createRevokeJob(
      { scope: scope(), dryRun: true },
      { signal: ctx.signal },
    );
    if (!preview) return;
    const start = el("button", { type: "button", class: "danger", id: "start-confirm" }, "Start revoke job");
    const confirmInput = el("input", {
      id: "start-typed",
      "aria-label": "Type the org id to confirm",
      placeholder: preview.scope?.id ?? "",
    });
    const isOrg = preview.scope?.kind === ScopeKind.ORG;
    start.disabled = isOrg;
    confirmInput.addEventListener("input", () => {
      start.disabled = confirmInput.value.trim() !== preview.scope?.id;
    });
    start.addEventListener("click", () => {
      start.disabled = true;
      void ctx.clients.jobs
        .createRevokeJob({ scope: scope() }, { signal: ctx.signal })
        .then(({ job }) => {
          showBanner(`Revoke job ${job?.id ?? ""} started.`, "info");
          if (job) location.hash = `#/jobs/${job.id}`;
        })
        .catch(ctx.fail);
    });
    replaceChildren(
      result,
      el(
        "p",
        { id: "start-total" },
        `Dry run: ${formatCount(preview.totalAccounts)} accounts would be revoked. Nothing has been started.`,
      ),
      previewTable(preview),
      isOrg
        ? el(
            "p",
            { class: "warning" },
            "This revokes every project of the org. Type the org id to confirm: ",
            confirmInput,
          )
        : null,
      el("div", { class: "toolbar" }, start),
    );
  }

  const form = el(
    "form",
    { class: "inline-form", id: "start-form" },
    kind,
    id,
    el("button", { type: "submit", class: "primary" }, "Preview (dry run)"),
  );
  form.addEventListener("submit", (event) => void preview(event).catch(ctx.fail));
  return el(
    "details",
    { class: "card", id: "start-job" },
    el("summary", {}, "Start a revoke job"),
    form,
    result,
  );
}
