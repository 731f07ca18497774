// The API key lives in sessionStorage only: it goes with the tab, never to
// localStorage, a cookie or the URL.
const KEY = "warden.apiKey";

/** The key pasted in this tab, if any. */
export function loadKey(): string | null {
  return sessionStorage.getItem(KEY);
}

/** Keeps the key for this tab's session. */
export function saveKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

/** Forgets the key. */
export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}
