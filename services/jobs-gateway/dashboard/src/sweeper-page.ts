import { Code, ConnectError } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Task } from "@warden/proto/sweeper/v1";
import { codeName, showBanner } from "./banner.js";
import { el, replaceChildren, table } from "./element.js";
import { formatInterval, formatTime } from "./format.js";
import type { PageContext } from "./page-context.js";

// The outcomes the sweeper records; each has a badge colour (styles.css).
const KNOWN_OUTCOMES = new Set(["success", "failure", "skipped_lock"]);

function taskRow(ctx: PageContext, task: Task): HTMLTableRowElement {
  const run = el("button", { type: "button", class: "small" }, "Run now");
  run.addEventListener("click", () => {
    run.disabled = true;
    run.textContent = "Running…";
    // A run holds the task's lease until it is done; the answer carries its outcome.
    ctx.clients.sweeper
      .runTask({ name: task.name }, { signal: ctx.signal })
      .then(({ task: ran }) => {
        showBanner(`${task.name} ran: ${ran?.lastOutcome || "no outcome recorded"}`, "info");
        ctx.reload();
      })
      .catch((error: unknown) => {
        run.disabled = false;
        run.textContent = "Run now";
        ctx.fail(error);
      });
  });
  const outcome = task.lastOutcome;
  return el(
    "tr",
    {
      "data-task": task.name,
      // Exact to the millisecond, for whoever checks that a run happened (the cell shows seconds).
      "data-last-run": task.lastRun ? String(timestampDate(task.lastRun).getTime()) : "",
    },
    el("td", { class: "mono", "data-label": "Task" }, task.name),
    el("td", { class: "nowrap", "data-label": "Interval" }, formatInterval(task.interval)),
    el("td", { class: "nowrap last-run", "data-label": "Last run" }, formatTime(task.lastRun)),
    el(
      "td",
      { "data-label": "Last outcome" },
      outcome
        ? el("span", { class: `badge ${KNOWN_OUTCOMES.has(outcome) ? `outcome-${outcome}` : ""}` }, outcome)
        : el("span", { class: "muted" }, "never run"),
    ),
    // The lease holder, which exists only while a replica is running the task.
    el(
      "td",
      { class: "mono", "data-label": "Leader" },
      task.leader || el("span", { class: "muted" }, "none"),
    ),
    el("td", { class: "nowrap", "data-label": "" }, run),
  );
}

/**
 * The sweeper's periodic tasks (SweeperService.ListTasks, forwarded by the
 * gateway) with a "Run now" per task. Operator key only: another key gets a
 * banner saying so and an empty page.
 */
export async function renderSweeperPage(ctx: PageContext): Promise<void> {
  const heading = el(
    "div",
    { class: "toolbar" },
    el("h1", {}, "Sweeper tasks"),
    el("span", { class: "spacer" }),
    el("button", { type: "button", onclick: () => ctx.reload() }, "Refresh"),
  );
  let tasks: Task[];
  try {
    tasks = (await ctx.clients.sweeper.listTasks({}, { signal: ctx.signal })).tasks;
  } catch (error) {
    const connectError = ConnectError.from(error);
    if (connectError.code !== Code.PermissionDenied) throw error;
    replaceChildren(ctx.root, heading);
    showBanner(
      `${codeName(connectError)}: the Sweeper page needs the operator key (WARDEN_ADMIN_KEY); ` +
        "this key is not it. Forget the key and paste the operator key to see and run the sweeper's tasks.",
    );
    return;
  }
  replaceChildren(
    ctx.root,
    heading,
    el(
      "p",
      { class: "muted" },
      "Each task runs once per interval on whichever replica holds its lease (the leader). " +
        "Run now runs it at once, still under its lease.",
    ),
    el(
      "div",
      // Stacked into one card per task on narrow screens (styles.css), so "Run now" stays in view.
      { id: "sweeper-tasks", class: "stacked-table" },
      table(
        [
          { label: "Task" },
          { label: "Interval" },
          { label: "Last run" },
          { label: "Last outcome" },
          { label: "Leader" },
          { label: "" },
        ],
        tasks.map((task) => taskRow(ctx, task)),
        "The sweeper runs no tasks.",
      ),
    ),
  );
}
