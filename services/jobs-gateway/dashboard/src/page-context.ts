import type { DashboardClients } from "./api.js";

/** What a page gets: clients, a place to draw, and a signal that aborts when the operator navigates away. */
export interface PageContext {
  clients: DashboardClients;
  root: HTMLElement;
  signal: AbortSignal;
  /** Reports a failed call (bad key → back to the key form). */
  fail(error: unknown): void;
  /** Draws the current page again from fresh data. */
  reload(): void;
}
