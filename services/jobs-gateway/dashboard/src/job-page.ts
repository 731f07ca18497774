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

function itemRow(item: RevokeItem): HTMLTableRowElement {
  const status = ItemStatus[item.status] ?? "UNKNOWN";
  return el(
    "tr",
    {},
    el("td", { class: "mono" }, item.connectedAccountId),
    el("td", {}, el("span", { class: `badge ${status}` }, status)),
    el("td", { class: "num" }, item.attempts),
    el("td", { class: "mono" }, item.errorCode || "–"),
    el("td", {}, item.errorMessage || "–"),
    el("td", {}, item.wipedLocally ? "yes" : ""),
    el("td", { class: "nowrap" }, formatTime(item.updatedAt)),
  );
}

/** One job: live counts, retry and cancel, and its ledger (failed items by default) a page at a time. */
export async function renderJobPage(ctx: PageContext, jobId: string): Promise<void> {
  const summary = el("div", { class: "card" });
  const ledger = el("div");
  const retry = el("button", { type: "button", class: "primary" }, "Retry failed items");
  const cancel = el("button", { type: "button", class: "danger" }, "Cancel job");
  let filter = ItemFilter.FAILED;
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
      el("div", { class: "toolbar" }, retry, cancel),
    );
    retry.disabled = !isTerminal(job) || (c?.failed ?? 0n) === 0n;
    cancel.disabled = isTerminal(job);
  }

  async function loadLedger(): Promise<void> {
    const page = await ctx.clients.jobs.getRevokeJob(
      { jobId, filter, pageSize: LEDGER_PAGE_SIZE, cursor },
      { signal: ctx.signal },
    );
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
      table(
        [
          { label: "Account" },
          { label: "Status" },
          { label: "Attempts", numeric: true },
          { label: "Error code" },
          { label: "Error" },
          { label: "Wiped locally" },
          { label: "Updated" },
        ],
        page.items.map(itemRow),
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
