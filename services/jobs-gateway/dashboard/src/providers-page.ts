import { RevokeMethod, type Provider } from "@warden/proto/accounts/v1";
import { el, replaceChildren, table } from "./element.js";
import type { PageContext } from "./page-context.js";

const REVOKE_LABELS: Record<number, string> = {
  [RevokeMethod.RFC7009]: "RFC 7009",
  [RevokeMethod.RFC7009_UNAUTHENTICATED]: "RFC 7009, no client auth",
  [RevokeMethod.SLACK]: "Slack auth.revoke",
  [RevokeMethod.BEARER]: "token as bearer",
  [RevokeMethod.GITHUB]: "GitHub grant delete",
  [RevokeMethod.DELETE_BY_PATH]: "DELETE by path",
  [RevokeMethod.NONE]: "cannot revoke",
};

function providerRow(provider: Provider): HTMLTableRowElement {
  const revokeDoc = provider.sources.find((s) => s.topic === "revoke")?.url ?? "";
  return el(
    "tr",
    { "data-provider": provider.id },
    el("td", { class: "mono" }, provider.id),
    el("td", {}, provider.name),
    el(
      "td",
      {},
      el(
        "a",
        { href: revokeDoc, target: "_blank", rel: "noreferrer" },
        REVOKE_LABELS[provider.revokeMethod] ?? "",
      ),
    ),
    el("td", {}, provider.rotatesRefreshTokens ? "rotates" : "–"),
    el("td", { class: "mono" }, provider.accountTerminalErrors.join(" ")),
    el("td", { class: "mono" }, provider.appTerminalErrors.join(" ")),
  );
}

/** The built-in provider catalog, read-only (create auth configs with `warden auth-configs create --provider`). */
export async function renderProvidersPage(ctx: PageContext): Promise<void> {
  const { providers } = await ctx.clients.accounts.listProviders({}, { signal: ctx.signal });
  replaceChildren(
    ctx.root,
    el("div", { class: "toolbar" }, el("h1", {}, "Providers")),
    el(
      "p",
      { class: "muted" },
      "How each built-in provider refreshes and revokes. Create an auth config from one with ",
      el("code", {}, "warden auth-configs create --provider <id> --client-id …"),
    ),
    table(
      [
        { label: "Id" },
        { label: "Name" },
        { label: "Revokes by" },
        { label: "Refresh tokens" },
        { label: "Account-terminal errors" },
        { label: "App-terminal errors" },
      ],
      providers.map(providerRow),
      "No providers.",
    ),
  );
}
