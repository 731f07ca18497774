// The OAuth connect flow's callback: GET /oauth/callback on the gateway's port.
// The provider sends the user's browser here with `code` and `state` (or
// `error`); we consume the one-time state, exchange the code with the PKCE
// verifier, create or reconnect the account, and send the browser on to the
// session's return_url with the outcome. A replayed, expired or foreign state
// writes nothing and gets a plain error page.
import type { IncomingMessage, ServerResponse } from "node:http";
import { clientSecretAssociatedData, connectVerifierAssociatedData, sealAccountTokens } from "@warden/crypto";
import { appendAuditEvents, type ConnectSessionRow } from "@warden/db";
import { newId } from "@warden/ids";
import { hashOAuthState, requestAuthorizationCodeGrant } from "@warden/oauth";
import { accountRefreshFailureKey } from "@warden/redis";
import type { GatewayDeps } from "./gateway-deps.js";
import { upsertAccount } from "./repositories/accounts.repository.js";
import { findLiveAuthConfig } from "./repositories/auth-configs.repository.js";
import {
  claimConnectSession,
  findConnectSessionByState,
  finishConnectSession,
} from "./repositories/connect-sessions.repository.js";

export const CONNECT_CALLBACK_PATH = "/oauth/callback";

// What we keep of a provider's `error` parameter: a code, never free text.
const ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
const EXCHANGE_TIMEOUT_MS = 10_000;

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

type Outcome =
  { status: "connected"; accountId: string; reconnected: boolean } | { status: "failed"; errorCode: string };

/**
 * Serves GET /oauth/callback; answers false for every other request (so the
 * dashboard's file server gets it). Each state is consumed at most once, and
 * a refused callback changes no row.
 */
export function createConnectCallback(
  deps: Pick<GatewayDeps, "db" | "keyring" | "redis" | "logger" | "now">,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());

  async function handle(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const state = url.searchParams.get("state");
    if (!state) return errorPage(res, 400, "This sign-in link is incomplete: it carries no state.");
    const stateHash = hashOAuthState(state);
    const session = await claimConnectSession(db, stateHash, now());
    if (!session) return refuse(res, await findConnectSessionByState(db, stateHash));

    const outcome = await complete(session, url.searchParams);
    const finishedAt = now();
    await finishConnectSession(db, session.id, outcome, finishedAt);
    // Not an RPC, so the audit interceptor never sees it: the callback records its own row
    // (the browser is anonymous; the session and the account are the objects).
    await appendAuditEvents(db, [
      {
        id: newId("auditEvent"),
        occurred_at: finishedAt,
        actor_kind: "anonymous",
        actor_id: null,
        org_id: session.org_id,
        action: `GET ${CONNECT_CALLBACK_PATH}`,
        object_ids: outcome.status === "connected" ? [session.id, outcome.accountId] : [session.id],
        outcome: outcome.status === "connected" ? "ok" : "failed_precondition",
        client_address: req.socket.remoteAddress ?? "",
        reason: outcome.status === "connected" ? "" : outcome.errorCode,
      },
    ]);
    logger.info(
      {
        sessionId: session.id,
        authConfigId: session.auth_config_id,
        outcome: outcome.status,
        ...(outcome.status === "connected"
          ? { accountId: outcome.accountId, reconnected: outcome.reconnected }
          : { errorCode: outcome.errorCode }),
      },
      "connect session finished",
    );
    const target = new URL(session.return_url);
    target.searchParams.set("connect_session", session.id);
    target.searchParams.set("status", outcome.status);
    if (outcome.status === "failed") target.searchParams.set("error", outcome.errorCode);
    else target.searchParams.set("account_id", outcome.accountId);
    res.writeHead(303, { location: target.toString(), "cache-control": "no-store" });
    res.end();
  }

  async function complete(session: ConnectSessionRow, params: URLSearchParams): Promise<Outcome> {
    const providerError = params.get("error");
    if (providerError !== null) {
      return {
        status: "failed",
        errorCode: ERROR_CODE.test(providerError) ? providerError : "provider_error",
      };
    }
    const code = params.get("code");
    if (!code) return { status: "failed", errorCode: "missing_code" };
    const authConfig = await findLiveAuthConfig(db, session.auth_config_id);
    if (!authConfig) return { status: "failed", errorCode: "auth_config_deleted" };
    if (!session.code_verifier_ciphertext || !session.code_verifier_key_id) {
      return { status: "failed", errorCode: "session_corrupt" };
    }
    const codeVerifier = deps.keyring.open(
      { ciphertext: session.code_verifier_ciphertext, keyId: session.code_verifier_key_id },
      connectVerifierAssociatedData(session.id),
    );
    const clientSecret =
      authConfig.client_secret_ciphertext && authConfig.client_secret_key_id
        ? deps.keyring.open(
            { ciphertext: authConfig.client_secret_ciphertext, keyId: authConfig.client_secret_key_id },
            clientSecretAssociatedData(authConfig.id),
          )
        : null;
    const answer = await requestAuthorizationCodeGrant({
      tokenUrl: authConfig.token_url,
      code,
      redirectUri: session.redirect_uri,
      codeVerifier,
      client: { clientId: authConfig.client_id, clientSecret, method: authConfig.client_auth },
      timeoutMs: EXCHANGE_TIMEOUT_MS,
    });
    if (answer.kind === "failed") return { status: "failed", errorCode: answer.errorCode };

    const at = now();
    const binding = { authConfigId: authConfig.id, externalUserId: session.external_user_id };
    const sealed = sealAccountTokens(deps.keyring, binding, {
      access: answer.accessToken,
      refresh: answer.refreshToken,
    });
    const { account, created } = await upsertAccount(db, {
      id: newId("account"),
      org_id: authConfig.org_id,
      project_id: authConfig.project_id,
      auth_config_id: authConfig.id,
      external_user_id: session.external_user_id,
      status: "active",
      status_reason: null,
      status_changed_at: at,
      access_token_ciphertext: sealed.access,
      refresh_token_ciphertext: sealed.refresh,
      token_key_id: sealed.keyId,
      expires_at:
        answer.expiresInSeconds === null ? null : new Date(at.getTime() + answer.expiresInSeconds * 1000),
      last_refreshed_at: null,
      revoked_upstream_at: null,
      updated_at: at,
      deleted_at: null,
    });
    if (!created) {
      // The bumped token_version already makes token-refresh ignore an older
      // cached failure; deleting it too just saves that service a check.
      await deps.redis.del(accountRefreshFailureKey(account.id)).catch((error: unknown) => {
        logger.warn({ accountId: account.id, err: error }, "could not clear cached refresh failure");
      });
    }
    return { status: "connected", accountId: account.id, reconnected: !created };
  }

  function refuse(res: ServerResponse, session: ConnectSessionRow | undefined): void {
    if (!session) {
      return errorPage(res, 400, "This sign-in link was not issued here, or it was altered. Start again.");
    }
    if (session.status === "pending") {
      return errorPage(res, 400, "This sign-in link has expired. Start again from the application.");
    }
    errorPage(res, 400, "This sign-in link has already been used. Start again from the application.");
  }

  return (req, res) => {
    if (req.method !== "GET" || !req.url?.startsWith(CONNECT_CALLBACK_PATH)) return false;
    const url = new URL(req.url, "http://callback.invalid");
    if (url.pathname !== CONNECT_CALLBACK_PATH) return false;
    handle(url, req, res).catch((error: unknown) => {
      logger.error({ err: error }, "connect callback failed");
      if (!res.headersSent) errorPage(res, 503, "Connecting the account failed. Try again in a moment.");
      else res.destroy();
    });
    return true;
  };
}

function errorPage(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Warden: connect failed</title></head>` +
      `<body style="font-family:sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">` +
      `<h1>Could not connect the account</h1><p>${message}</p></body></html>`,
  );
}
