import { el, replaceChildren } from "./element.js";

/** The key form: the operator pastes an API key (jobs:read/write, accounts:read), kept for this tab only. */
export function renderLogin(root: HTMLElement, onKey: (key: string) => void): void {
  const input = el("input", {
    type: "password",
    id: "api-key",
    name: "api-key",
    autocomplete: "off",
    placeholder: "API key",
    required: true,
  });
  const form = el(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (key) onKey(key);
      },
    },
    input,
    el("button", { type: "submit", class: "primary" }, "Open dashboard"),
  );
  replaceChildren(
    root,
    el(
      "div",
      { class: "card login" },
      el("h1", {}, "Warden dashboard"),
      el(
        "p",
        {},
        "Paste an API key with jobs:read (jobs:write to retry or cancel) and accounts:read. It stays in this tab's session storage and is sent only to this gateway.",
      ),
      form,
    ),
  );
  input.focus();
}
