// The dashboard's entry: a hash router over its pages behind the key form.
import { Code, ConnectError } from "@connectrpc/connect";
import { createClients } from "./api.js";
import { clearBanner, describeError, showBanner } from "./banner.js";
import { el, replaceChildren } from "./element.js";
import { renderAuditPage } from "./audit-page.js";
import { renderJobPage } from "./job-page.js";
import { renderJobsPage } from "./jobs-page.js";
import { clearKey, loadKey, saveKey } from "./key-store.js";
import { renderLogin } from "./login-view.js";
import { renderPoolPage } from "./pool-page.js";
import type { PageContext } from "./page-context.js";
import { renderProvidersPage } from "./providers-page.js";
import { renderReconnectPage } from "./reconnect-page.js";
import { renderSweeperPage } from "./sweeper-page.js";

const root = document.getElementById("app")!;
const session = document.getElementById("session")!;
let current: AbortController | undefined;

function signOut(message?: string): void {
  clearKey();
  current?.abort();
  if (message) showBanner(message);
  route();
}

function fail(error: unknown): void {
  const connectError = ConnectError.from(error);
  if (connectError.code === Code.Unauthenticated)
    return signOut("The key was not accepted (UNAUTHENTICATED). Paste a valid API key.");
  const text = describeError(error);
  if (text) showBanner(text);
}

function markNav(name: string): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]"))
    link.classList.toggle("active", link.dataset.nav === name);
}

function route(): void {
  current?.abort();
  current = new AbortController();
  const key = loadKey();
  if (!key) {
    replaceChildren(session);
    markNav("");
    renderLogin(root, (pasted) => {
      saveKey(pasted);
      clearBanner();
      route();
    });
    return;
  }
  replaceChildren(
    session,
    "key in this tab only",
    el("button", { type: "button", id: "forget-key", onclick: () => signOut() }, "Forget key"),
  );
  const ctx: PageContext = { clients: createClients(key), root, signal: current.signal, fail, reload: route };
  const hash = location.hash.replace(/^#/, "") || "/jobs";
  const jobMatch = /^\/jobs\/([A-Za-z0-9_]+)$/.exec(hash);
  let page: Promise<void>;
  if (jobMatch) {
    markNav("jobs");
    page = renderJobPage(ctx, jobMatch[1]!);
  } else if (hash === "/providers") {
    markNav("providers");
    page = renderProvidersPage(ctx);
  } else if (hash === "/audit") {
    markNav("audit");
    page = renderAuditPage(ctx);
  } else if (hash === "/pool") {
    markNav("pool");
    page = renderPoolPage(ctx);
  } else if (hash === "/sweeper") {
    markNav("sweeper");
    page = renderSweeperPage(ctx);
  } else if (hash === "/accounts") {
    markNav("accounts");
    page = renderReconnectPage(ctx);
  } else {
    markNav("jobs");
    page = renderJobsPage(ctx);
  }
  page.catch(fail);
}

window.addEventListener("hashchange", () => {
  clearBanner();
  route();
});
route();
