import { el, replaceChildren, table } from "./element.js";
import { formatCount } from "./format.js";
import type { PageContext } from "./page-context.js";

/** The executor pool (GetPoolStatus): executors, pending, in flight, redelivered, and per auth config. */
export async function renderPoolPage(ctx: PageContext): Promise<void> {
  const pool = await ctx.clients.jobs.getPoolStatus({}, { signal: ctx.signal });
  const count = (label: string, n: bigint | number) =>
    el("div", {}, el("b", {}, formatCount(n)), el("span", {}, label));
  replaceChildren(
    ctx.root,
    el(
      "div",
      { class: "toolbar" },
      el("h1", {}, "Executor pool"),
      el("span", { class: "spacer" }),
      el("button", { type: "button", onclick: () => ctx.reload() }, "Refresh"),
    ),
    el(
      "div",
      { class: "card counts", id: "pool-counts" },
      count("executors", pool.executors),
      count("pending", pool.pending),
      count("in flight", pool.inFlight),
      count("redelivered", pool.redelivered),
    ),
    el("h2", {}, "Per auth config"),
    table(
      [
        { label: "Auth config" },
        { label: "Pending", numeric: true },
        { label: "In flight", numeric: true },
        { label: "Limit", numeric: true },
      ],
      pool.authConfigs.map((a) =>
        el(
          "tr",
          {},
          el("td", { class: "mono" }, a.authConfigId),
          el("td", { class: "num" }, formatCount(a.pending)),
          el("td", { class: "num" }, formatCount(a.inFlight)),
          el("td", { class: "num" }, a.concurrencyLimit),
        ),
      ),
      "Nothing pending.",
    ),
  );
}
