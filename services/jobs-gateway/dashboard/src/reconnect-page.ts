import { AccountStatus, type ConnectedAccount } from "@warden/proto/accounts/v1";
import { el, replaceChildren, table } from "./element.js";
import { formatTime } from "./format.js";
import type { PageContext } from "./page-context.js";

const PAGE_SIZE = 50;

function accountRow(account: ConnectedAccount): HTMLTableRowElement {
  return el(
    "tr",
    {},
    el("td", { class: "mono" }, account.id),
    el("td", {}, account.externalUserId),
    el("td", { class: "mono" }, account.authConfigId),
    el("td", { class: "mono" }, account.statusReason || "–"),
    el("td", { class: "nowrap" }, formatTime(account.updatedAt)),
  );
}

/** Connected accounts whose refresh failed for good (NEEDS_RECONNECT), paged. */
export async function renderReconnectPage(ctx: PageContext): Promise<void> {
  const holder = el("div");
  let cursors: string[] = [];
  let cursor = "";

  async function load(): Promise<void> {
    const page = await ctx.clients.accounts.listConnectedAccounts(
      { status: AccountStatus.NEEDS_RECONNECT, pageSize: PAGE_SIZE, cursor },
      { signal: ctx.signal },
    );
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
          { label: "Account" },
          { label: "External user" },
          { label: "Auth config" },
          { label: "Provider error" },
          { label: "Since" },
        ],
        page.accounts.map(accountRow),
        "No account needs a reconnect.",
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

  replaceChildren(
    ctx.root,
    el(
      "div",
      { class: "toolbar" },
      el("h1", {}, "Accounts that need a reconnect"),
      el("span", { class: "spacer" }),
      el("button", { type: "button", onclick: () => ctx.reload() }, "Refresh"),
    ),
    el(
      "p",
      { class: "muted" },
      "Their refresh failed terminally (e.g. invalid_grant). Once the user reconnects, store the new tokens with ",
      el("code", {}, "warden accounts reconnect <account> --access-token … --refresh-token …"),
    ),
    holder,
  );
  cursors = [];
  await load();
}
