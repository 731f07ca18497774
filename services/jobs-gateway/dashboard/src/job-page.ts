import { ConnectError } from "@connectrpc/connect";
import {
  ItemFilter,
  ItemStatus,
  JobStatus,
  RevokeJobSchema,
  type RevokeItem,
  type RevokeJob,
} from "@warden/proto/jobs/v1";
import { showBanner } from "./banner.js";
import { el, replaceChildren, table } from "./element.js";
import { formatCount, formatTime, isTerminal, jobStatusName, scopeText } from "./format.js";
import type { PageContext } from "./page-context.js";
import { progressBar } from "./progress-bar.js";
import { watchJob } from "./watch-job.js";

const LEDGER_PAGE_SIZE = 50;

function itemRow(
  item: RevokeItem,
  retryItem: (item: RevokeItem) => void,
  canRetry: boolean,
): HTMLTableRowElement {
  const status = ItemStatus[item.status] ?? "UNKNOWN";
  const retryable = canRetry && (item.status === ItemStatus.FAILED || item.status === ItemStatus.CANCELLED);
  return el(
    "tr",
    { "data-account": item.connectedAccountId },
    el("td", { class: "mono" }, item.connectedAccountId),
    el("td", { class: "mono" }, item.externalUserId || "–"),
    el("td", { class: "mono" }, item.authConfigId || "–"),
    el("td", { class: "num" }, item.run),
    el("td", {}, el("span", { class: `badge ${status}` }, status)),
    el("td", { class: "num" }, item.attempts),
    el("td", { class: "mono" }, item.errorCode || "–"),
    el("td", { class: "wrap" }, item.errorDescription || item.errorMessage || "–"),
    el("td", {}, item.wipedLocally ? "yes" : ""),
    el("td", { class: "nowrap" }, formatTime(item.updatedAt)),
    el(
      "td",
      {},
      retryable
        ? el("button", { type: "button", class: "small", onclick: () => retryItem(item) }, "Retry")
        : null,
    ),
  );
}

/** One job: live counts, retry and cancel, and its ledger (failed items by default) a page at a time. */
export async function renderJobPage(ctx: PageContext, jobId: string): Promise<void> {
  const summary = el("div", { class: "card" });
  const ledger = el("div");
  const retry = el("button", { type: "button", class: "primary" }, "Retry failed items");
  const cancel = el("button", { type: "button", class: "danger" }, "Cancel job");
  const resume = el("button", { type: "button" }, "Resume cancelled items");
  let filter = ItemFilter.FAILED;
  let itemStatus = ItemStatus.UNSPECIFIED;
  let externalUserId = "";
  // Cursors of the pages before the current one, for "Previous".
  let cursors: string[] = [];
  let cursor = "";
  let watching = false;

  function drawSummary(job: RevokeJob): void {
    const c = job.counts;
    const count = (label: string, n: bigint | undefined) =>
      el("div", {}, el("b", {}, formatCount(n ?? 0n)), el("span", {}, label));
    replaceChildren(
      summary,
      el(
        "dl",
        { class: "fields" },
        el("dt", {}, "Job"),
        el("dd", { class: "mono" }, job.id),
        el("dt", {}, "Scope"),
        el("dd", { class: "mono" }, scopeText(job)),
        el("dt", {}, "Status"),
        el(
          "dd",
          {},
          el("span", { class: `badge ${jobStatusName(job)}`, id: "job-status" }, jobStatusName(job)),
        ),
        el("dt", {}, "Run"),
        el("dd", {}, job.run),
        el("dt", {}, "Force"),
        el("dd", {}, job.force ? "yes: local tokens wiped even without provider confirmation" : "no"),
        el("dt", {}, "Created"),
        el("dd", {}, formatTime(job.createdAt)),
        el("dt", {}, "Finished"),
        el("dd", {}, formatTime(job.finishedAt)),
      ),
      progressBar(job),
      el(
        "div",
        { class: "counts" },
        count("total", c?.total),
        count("revoked", c?.revoked),
        count("failed", c?.failed),
        count("skipped", c?.skipped),
        count("pending", c?.pending),
        count("cancelled", c?.cancelled),
      ),
      el("div", { class: "toolbar" }, retry, resume, cancel),
    );
    retry.disabled = !isTerminal(job) || (c?.failed ?? 0n) === 0n;
    resume.disabled = job.status !== JobStatus.CANCELLED || (c?.cancelled ?? 0n) === 0n;
    cancel.disabled = isTerminal(job);
  }

  // Bumped by every load: a page that arrives after a newer request is dropped.
  let generation = 0;
  let filtersForm: HTMLElement | undefined;

  async function loadLedger(): Promise<void> {
    const asked = ++generation;
    const page = await ctx.clients.jobs.getRevokeJob(
      { jobId, filter, itemStatus, externalUserId, pageSize: LEDGER_PAGE_SIZE, cursor },
      { signal: ctx.signal },
    );
    if (asked !== generation) return;
    if (page.job) drawSummary(page.job);
    const previous = el("button", { type: "button", disabled: cursors.length === 0 }, "← Previous");
    const next = el("button", { type: "button", disabled: page.nextCursor === "" }, "Next →");
    previous.addEventListener("click", () => {
      cursor = cursors.pop() ?? "";
      void loadLedger().catch(ctx.fail);
    });
    next.addEventListener("click", () => {
      cursors.push(cursor);
      cursor = page.nextCursor;
      void loadLedger().catch(ctx.fail);
    });
    const toggle = (label: string, value: ItemFilter) =>
      el(
        "button",
        {
          type: "button",
          class: filter === value ? "on" : undefined,
          onclick: () => {
            filter = value;
            cursors = [];
            cursor = "";
            void loadLedger().catch(ctx.fail);
          },
        },
        label,
      );
    replaceChildren(
      ledger,
      el(
        "div",
        { class: "toolbar" },
        el("h2", {}, "Ledger"),
        el("span", { class: "spacer" }),
        el(
          "span",
          { class: "segmented" },
          toggle("Failed", ItemFilter.FAILED),
          toggle("All items", ItemFilter.ALL),
        ),
      ),
      // The same form node every time, so what the operator is typing survives a reload.
      (filtersForm ??= ledgerFilters()),
      table(
        [
          { label: "Account" },
          { label: "External user" },
          { label: "Auth config" },
          { label: "Run", numeric: true },
          { label: "Status" },
          { label: "Attempts", numeric: true },
          { label: "Error code" },
          { label: "Error" },
          { label: "Wiped locally" },
          { label: "Updated" },
          { label: "" },
        ],
        page.items.map((item) => itemRow(item, retryItem, page.job !== undefined && isTerminal(page.job))),
        filter === ItemFilter.FAILED ? "No failed items." : "No items yet.",
      ),
      el(
        "div",
        { class: "pager" },
        previous,
        next,
        el("span", { class: "muted" }, `page ${cursors.length + 1}`),
      ),
    );
    if (page.job && !isTerminal(page.job)) startWatch();
  }

  function restartLedger(): void {
    cursors = [];
    cursor = "";
    void loadLedger().catch(ctx.fail);
  }

  function ledgerFilters(): HTMLElement {
    const status = el("select", { id: "ledger-status", "aria-label": "Item status" });
    for (const [label, value] of [
      ["Any status", ItemStatus.UNSPECIFIED],
      ["Failed", ItemStatus.FAILED],
      ["Revoked", ItemStatus.REVOKED],
      ["Skipped", ItemStatus.SKIPPED],
      ["Pending", ItemStatus.PENDING],
      ["Cancelled", ItemStatus.CANCELLED],
    ] as const) {
      status.append(el("option", { value: String(value), selected: value === itemStatus }, label));
    }
    status.addEventListener("change", () => {
      itemStatus = Number(status.value) as ItemStatus;
      restartLedger();
    });
    const user = el("input", {
      id: "ledger-user",
      "aria-label": "External user id",
      placeholder: "external user id",
      value: externalUserId,
    });
    const form = el("form", { class: "filters" }, status, user, el("button", { type: "submit" }, "Filter"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      externalUserId = user.value.trim();
      restartLedger();
    });
    return form;
  }

  function retryItem(item: RevokeItem): void {
    const includeCancelled = item.status === ItemStatus.CANCELLED;
    void act(
      retry,
      () =>
        ctx.clients.jobs.retryRevokeJob({
          jobId,
          connectedAccountIds: [item.connectedAccountId],
          includeCancelled,
        }),
      `Retry started for ${item.connectedAccountId} of ${jobId}.`,
    );
  }

  function startWatch(): void {
    if (watching) return;
    watching = true;
    void watchJob(ctx.clients, jobId, ctx.signal, drawSummary, ctx.fail, isTerminal).then(() => {
      watching = false;
      // The run just ended: its final ledger is worth showing.
      if (!ctx.signal.aborted) void loadLedger().catch(ctx.fail);
    });
  }

  async function act(
    button: HTMLButtonElement,
    call: () => Promise<{ job?: RevokeJob }>,
    done: string,
  ): Promise<void> {
    button.disabled = true;
    try {
      const { job } = await call();
      if (job) drawSummary(job);
      showBanner(done, "info");
      cursors = [];
      cursor = "";
      await loadLedger();
    } catch (error) {
      // ALREADY_EXISTS names the job that is in the way: say which.
      const inFlight = error instanceof ConnectError ? error.findDetails(RevokeJobSchema)[0] : undefined;
      if (inFlight) showBanner(`Another run is in flight: ${inFlight.id} (${JobStatus[inFlight.status]})`);
      else ctx.fail(error);
    }
  }

  retry.addEventListener(
    "click",
    () => void act(retry, () => ctx.clients.jobs.retryRevokeJob({ jobId }), `Retry started for ${jobId}.`),
  );
  resume.addEventListener(
    "click",
    () =>
      void act(
        resume,
        () => ctx.clients.jobs.retryRevokeJob({ jobId, includeCancelled: true }),
        `Resumed the cancelled items of ${jobId}.`,
      ),
  );
  cancel.addEventListener("click", () => {
    if (!confirm(`Cancel ${jobId}? Pending items will not be revoked.`)) return;
    void act(cancel, () => ctx.clients.jobs.cancelRevokeJob({ jobId }), `${jobId} cancelled.`);
  });

  replaceChildren(
    ctx.root,
    el("div", { class: "toolbar" }, el("a", { href: "#/jobs" }, "← Jobs")),
    el("h1", {}, "Revoke job"),
    summary,
    ledger,
  );
  await loadLedger();
}
