import { Code, ConnectError } from "@connectrpc/connect";

/** Shows an RPC failure as "CODE: message" (or a notice) above the page. */
export function showBanner(message: string, kind: "error" | "info" = "error"): void {
  const banner = document.getElementById("banner");
  if (!banner) return;
  banner.textContent = message;
  banner.className = kind === "info" ? "info" : "";
  banner.hidden = false;
}

/** Hides the banner. */
export function clearBanner(): void {
  const banner = document.getElementById("banner");
  if (banner) banner.hidden = true;
}

/** The gRPC spelling of a Connect error's code, e.g. NOT_FOUND. */
export function codeName(error: ConnectError): string {
  return (Code[error.code] ?? "UNKNOWN").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Banner text for any thrown value; aborts (navigation) are not errors and return undefined. */
export function describeError(error: unknown): string | undefined {
  const connectError = ConnectError.from(error);
  if (connectError.code === Code.Canceled) return undefined;
  return `${codeName(connectError)}: ${connectError.rawMessage}`;
}
