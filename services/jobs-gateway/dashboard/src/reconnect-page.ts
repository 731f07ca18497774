import { AccountStatus, type ConnectedAccount } from "@warden/proto/accounts/v1";
import { el, replaceChildren, table } from "./element.js";
import { formatTime } from "./format.js";
import type { PageContext } from "./page-context.js";

const PAGE_SIZE = 50;

/**
 * A row with a "Reconnect link" action: it starts a connect session for the
 * account's user and shows the provider's authorize URL to send them (valid 10
 * minutes, once). When they finish, the callback reconnects this same account.
 */
function accountRow(ctx: PageContext, account: ConnectedAccount): HTMLTableRowElement {
  const action = el("td", { class: "wrap" });
  const button = el("button", { type: "button", class: "small" }, "Reconnect link");
  button.addEventListener("click", () => {
    button.disabled = true;
    ctx.clients.connect
      .createConnectSession(
        {
          authConfigId: account.authConfigId,
          externalUserId: account.externalUserId,
          scopes: [],
          returnUrl: `${location.origin}/`,
        },
        { signal: ctx.signal },
      )
      .then((session) => {
        const link = el("input", {
          class: "mono reconnect-link",
          readonly: true,
          value: session.authorizeUrl,
          "aria-label": `reconnect link for ${account.externalUserId}`,
        });
        replaceChildren(
          action,
          link,
          el("div", { class: "muted" }, "send this link to the user; it works once, for 10 minutes"),
        );
        link.select();
      })
      .catch((error: unknown) => {
        button.disabled = false;
        ctx.fail(error);
      });
  });
  action.append(button);
  return el(
    "tr",
    {},
    el("td", { class: "mono" }, account.id),
    el("td", {}, account.externalUserId),
    el("td", { class: "mono" }, account.authConfigId),
    el("td", { class: "mono" }, account.statusReason || "–"),
    el("td", { class: "nowrap" }, formatTime(account.updatedAt)),
    action,
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
          { label: "Reconnect" },
        ],
        page.accounts.map((account) => accountRow(ctx, account)),
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
      "Their refresh failed terminally (e.g. invalid_grant). A reconnect link sends the user through the provider's consent page and brings the same account back (the auth config needs an authorize URL); tokens obtained elsewhere can be stored with ",
      el("code", {}, "warden accounts reconnect <account> --access-token … --refresh-token …"),
    ),
    holder,
  );
  cursors = [];
  await load();
}
