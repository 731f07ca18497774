import type { TerminalErrorCodes } from "./classify-provider-error.js";
import { clientAuthentication, type OAuthClientCredentials } from "./client-authentication.js";
import { readCappedBody } from "./read-capped-body.js";
import { classifyRefreshAnswer, type RefreshOutcome } from "./refresh-response.js";

/** One refresh_token grant (RFC 6749 §6). */
export interface RefreshTokenGrantRequest {
  /** Already validated with parseProviderUrl when the auth config was saved. */
  tokenUrl: string;
  refreshToken: string;
  client: OAuthClientCredentials;
  /** Deadline of the whole exchange, connect to last byte. */
  timeoutMs: number;
  /** The provider's own terminal error codes (from the catalog), if the auth config names one. */
  terminalErrors?: TerminalErrorCodes;
  /** Injectable for tests; defaults to the global fetch (undici, keep-alive pooled). */
  fetch?: typeof fetch;
}

/**
 * POSTs a refresh_token grant with the client's authentication and classifies
 * the answer. Never throws: network errors and timeouts come back as transient
 * failures, and no failure carries the refresh token or the client secret.
 */
export async function requestRefreshTokenGrant(request: RefreshTokenGrantRequest): Promise<RefreshOutcome> {
  const auth = clientAuthentication(request.client);
  const body = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: request.refreshToken,
    ...auth.form,
  });
  const doFetch = request.fetch ?? fetch;
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await doFetch(request.tokenUrl, {
      method: "POST",
      headers: {
        ...auth.headers,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: body.toString(),
      redirect: "manual",
      signal,
    });
    const text = await readCappedBody(response);
    const outcome = classifyRefreshAnswer(
      { status: response.status, retryAfter: response.headers.get("retry-after") ?? undefined, body: text },
      Date.now(),
      request.terminalErrors,
    );
    // A provider echoing what we sent inside its error code must not smuggle it into our logs.
    if (
      outcome.kind === "failed" &&
      secretsOf(request).some((secret) => outcome.errorCode.includes(secret))
    ) {
      return { ...outcome, errorCode: `http_${response.status}` };
    }
    return outcome;
  } catch (error) {
    const timedOut = signal.aborted || (error instanceof Error && error.name === "TimeoutError");
    return { kind: "failed", failureClass: "transient", errorCode: timedOut ? "timeout" : "network_error" };
  }
}

function secretsOf(request: RefreshTokenGrantRequest): string[] {
  const secrets = [request.refreshToken, request.client.clientSecret ?? ""];
  return secrets.filter((secret) => secret.length >= 4);
}
