// One way to build DOM: text always goes in as text nodes, so nothing a server
// returns can ever be parsed as HTML.
export type Child = Node | string | number | null | undefined | false;
type Attribute = string | boolean | undefined | ((event: Event) => void);

/** Creates an element with attributes (on* as listeners, booleans toggled) and text-safe children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, Attribute> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (typeof value === "boolean") node.toggleAttribute(name, value);
    else if (value !== undefined) node.setAttribute(name, value);
  }
  node.append(
    ...children
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === "number" ? String(c) : c)),
  );
  return node;
}

/** Replaces all of a node's children. */
export function replaceChildren(node: Element, ...children: Child[]): void {
  node.replaceChildren(
    ...children
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === "number" ? String(c) : c)),
  );
}

/** A table (in a horizontally scrolling wrapper) with a header row; rows are appended by the caller (or an empty-state row). */
export function table(
  headers: { label: string; numeric?: boolean }[],
  rows: HTMLTableRowElement[],
  empty: string,
): HTMLDivElement {
  const body = el("tbody");
  if (rows.length === 0)
    body.append(el("tr", {}, el("td", { colspan: String(headers.length), class: "empty" }, empty)));
  else body.append(...rows);
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      {},
      el(
        "thead",
        {},
        el("tr", {}, ...headers.map((h) => el("th", { class: h.numeric ? "num" : undefined }, h.label))),
      ),
      body,
    ),
  );
}
