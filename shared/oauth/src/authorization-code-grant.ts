import { clientAuthentication, type OAuthClientCredentials } from "./client-authentication.js";
import { readCappedBody } from "./read-capped-body.js";
import { classifyRefreshAnswer, type RefreshOutcome } from "./refresh-response.js";

/** One authorization_code grant with PKCE (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export interface AuthorizationCodeGrantRequest {
  /** Already validated with parseProviderUrl when the auth config was saved. */
  tokenUrl: string;
  code: string;
  /** Exactly the redirect_uri the authorization request carried. */
  redirectUri: string;
  codeVerifier: string;
  client: OAuthClientCredentials;
  /** Deadline of the whole exchange, connect to last byte. */
  timeoutMs: number;
}

/**
 * Exchanges an authorization code for tokens and classifies the answer like a
 * refresh (RFC 6749 bodies, Slack's `ok:false`, errors with HTTP 200). Never
 * throws and never carries the code, the verifier or the client secret in a
 * failure: network errors and timeouts come back as transient failures.
 */
export async function requestAuthorizationCodeGrant(
  request: AuthorizationCodeGrantRequest,
): Promise<RefreshOutcome> {
  const auth = clientAuthentication(request.client);
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: request.code,
    redirect_uri: request.redirectUri,
    code_verifier: request.codeVerifier,
    ...auth.form,
  });
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(request.tokenUrl, {
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
    const outcome = classifyRefreshAnswer({
      status: response.status,
      retryAfter: response.headers.get("retry-after") ?? undefined,
      body: await readCappedBody(response),
    });
    const secrets = [request.code, request.codeVerifier, request.client.clientSecret ?? ""].filter(
      (secret) => secret.length >= 4,
    );
    if (outcome.kind === "failed" && secrets.some((secret) => outcome.errorCode.includes(secret))) {
      return { ...outcome, errorCode: `http_${response.status}` };
    }
    return outcome;
  } catch (error) {
    const timedOut = signal.aborted || (error instanceof Error && error.name === "TimeoutError");
    return { kind: "failed", failureClass: "transient", errorCode: timedOut ? "timeout" : "network_error" };
  }
}
