import type { RevokeJob } from "@warden/proto/jobs/v1";
import { el, replaceChildren, table } from "./element.js";
import { formatCount, formatTime, isTerminal, jobStatusName, scopeText } from "./format.js";
import type { PageContext } from "./page-context.js";
import { progressBar } from "./progress-bar.js";
import { watchJob } from "./watch-job.js";
import { jobFilters, type JobFilterValues } from "./job-filters.js";
import { startJobForm } from "./start-job-form.js";

const PAGE_SIZE = 25;

function jobCells(job: RevokeJob): HTMLTableCellElement[] {
  const c = job.counts;
  const num = (n: bigint | undefined) => el("td", { class: "num" }, formatCount(n ?? 0n));
  return [
    el("td", {}, el("a", { href: `#/jobs/${job.id}`, class: "mono" }, job.id)),
    el("td", { class: "mono clip", title: scopeText(job) }, scopeText(job)),
    el(
      "td",
      {},
      // Break opportunities after each "_": COMPLETED_WITH_FAILURES may wrap rather than push CREATED off screen.
      el(
        "span",
        { class: `badge ${jobStatusName(job)}` },
        ...jobStatusName(job)
          .split(/(?<=_)/)
          .flatMap((part) => [part, el("wbr")]),
      ),
      job.run > 1 ? el("span", { class: "muted" }, ` run ${job.run}`) : null,
    ),
    el("td", {}, progressBar(job)),
    num(c?.revoked),
    num(c?.failed),
    num(c?.skipped),
    num(c?.pending),
    el("td", { class: "nowrap" }, formatTime(job.createdAt)),
  ];
}

/** The jobs list, newest first, with live progress for every job still running. */
export async function renderJobsPage(ctx: PageContext): Promise<void> {
  const rows: HTMLTableRowElement[] = [];
  const holder = el("div");
  const more = el("button", { type: "button" }, "Load more");
  let cursor = "";
  let filters: JobFilterValues = { status: 0, scopeKind: 0 };
  // Watches of the rows on screen; a new filter starts a fresh list.
  let watches = new AbortController();
  ctx.signal.addEventListener("abort", () => watches.abort());

  function addJobs(jobs: RevokeJob[]): void {
    for (const job of jobs) {
      const row = el("tr", { "data-job": job.id }, ...jobCells(job));
      rows.push(row);
      if (!isTerminal(job))
        void watchJob(
          ctx.clients,
          job.id,
          watches.signal,
          (fresh) => replaceChildren(row, ...jobCells(fresh)),
          ctx.fail,
          isTerminal,
        );
    }
    replaceChildren(
      holder,
      table(
        [
          { label: "Job" },
          { label: "Scope" },
          { label: "Status" },
          { label: "Progress" },
          { label: "Revoked", numeric: true },
          { label: "Failed", numeric: true },
          { label: "Skipped", numeric: true },
          { label: "Pending", numeric: true },
          { label: "Created" },
        ],
        rows,
        "No revoke jobs match. Start one above, or with: warden revoke --scope project:prj_… --watch",
      ),
    );
  }

  // Bumped by every filter change: a page that arrives for older filters is dropped.
  let generation = 0;

  async function loadPage(): Promise<void> {
    const asked = generation;
    const page = await ctx.clients.jobs.listRevokeJobs(
      { pageSize: PAGE_SIZE, cursor, ...filters },
      { signal: ctx.signal },
    );
    if (asked !== generation) return;
    cursor = page.nextCursor;
    addJobs(page.jobs);
    more.hidden = cursor === "";
  }

  more.addEventListener("click", () => void loadPage().catch(ctx.fail));
  const refresh = el("button", { type: "button", onclick: () => ctx.reload() }, "Refresh");
  replaceChildren(
    ctx.root,
    el("div", { class: "toolbar" }, el("h1", {}, "Revoke jobs"), el("span", { class: "spacer" }), refresh),
    startJobForm(ctx),
    jobFilters((values) => {
      filters = values;
      generation++;
      watches.abort();
      watches = new AbortController();
      rows.length = 0;
      cursor = "";
      void loadPage().catch(ctx.fail);
    }),
    holder,
    el("div", { class: "pager" }, more),
  );
  await loadPage();
}
