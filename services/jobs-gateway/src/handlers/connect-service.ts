import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { principalOf, requireScope, visibleOrNotFound } from "@warden/auth";
import type { AuthConfigRow, ConnectSessionRow } from "@warden/db";
import { connectVerifierAssociatedData } from "@warden/crypto";
import { failedPrecondition } from "@warden/errors";
import { newId, parseId } from "@warden/ids";
import { createOAuthState, createPkcePair, hashOAuthState, parseProviderUrl } from "@warden/oauth";
import {
  ConnectSessionStatus,
  CreateConnectSessionResponseSchema,
  GetConnectSessionResponseSchema,
  type ConnectService,
} from "@warden/proto/connect/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import { findLiveAuthConfig } from "../repositories/auth-configs.repository.js";
import { findConnectSession, insertConnectSession } from "../repositories/connect-sessions.repository.js";
import { CONNECT_CALLBACK_PATH } from "../connect-callback.js";
import { requiredText, stringList } from "./request-fields.js";

/** How long a session (and so its one-time state) stays usable: DESIGN §8, 10 minutes. */
export const CONNECT_SESSION_TTL_MS = 10 * 60_000;

const placeOf = (row: { org_id: string; project_id: string }) => ({
  orgId: row.org_id,
  projectId: row.project_id,
});

// Parameters Warden itself sets; an auth config's extra authorize parameters may not override them.
const RESERVED_AUTHORIZE_PARAMS = new Set([
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
]);

/** ConnectService: starts OAuth connect flows (authorization code + PKCE) and reports how they ended. */
export function createConnectService(deps: GatewayDeps): ServiceImpl<typeof ConnectService> {
  const { db, keyring } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async createConnectSession(req, ctx) {
      const principal = requireScope(principalOf(ctx), "accounts:write");
      const authConfigId = parseId("auth_config_id", req.authConfigId, "authConfig");
      const externalUserId = requiredText("external_user_id", req.externalUserId, 256);
      const requested = stringList("scopes", req.scopes, 50, 200);
      const returnUrl = parseProviderUrl("return_url", req.returnUrl);
      const authConfig = visibleOrNotFound(
        principal,
        "auth config",
        authConfigId,
        await findLiveAuthConfig(db, authConfigId),
        placeOf,
      );
      if (!authConfig.authorize_url) {
        throw failedPrecondition(
          `auth config ${authConfigId} has no authorize_url (set one, or create it from a provider)`,
        );
      }
      if (!deps.publicUrl) throw failedPrecondition("the gateway has no WARDEN_PUBLIC_URL for the callback");

      const id = newId("connectSession");
      const state = createOAuthState();
      const pkce = createPkcePair();
      const verifier = keyring.seal(pkce.verifier, connectVerifierAssociatedData(id));
      const redirectUri = `${deps.publicUrl}${CONNECT_CALLBACK_PATH}`;
      const scopes = requested.length > 0 ? requested : authConfig.default_scopes;
      const createdAt = now();
      const session = await insertConnectSession(db, {
        id,
        org_id: authConfig.org_id,
        project_id: authConfig.project_id,
        auth_config_id: authConfig.id,
        external_user_id: externalUserId,
        scopes,
        return_url: returnUrl,
        redirect_uri: redirectUri,
        state_hash: hashOAuthState(state),
        code_verifier_ciphertext: verifier.ciphertext,
        code_verifier_key_id: verifier.keyId,
        status: "pending",
        account_id: null,
        error_code: null,
        created_at: createdAt,
        expires_at: new Date(createdAt.getTime() + CONNECT_SESSION_TTL_MS),
        finished_at: null,
      });
      return create(CreateConnectSessionResponseSchema, {
        sessionId: session.id,
        authorizeUrl: authorizeUrlOf(authConfig, {
          redirectUri,
          scopes,
          state,
          codeChallenge: pkce.challenge,
        }),
        expiresAt: timestampFromDate(session.expires_at),
      });
    },

    async getConnectSession(req, ctx) {
      const principal = requireScope(principalOf(ctx), "accounts:read");
      const id = parseId("session_id", req.sessionId, "connectSession");
      const session = visibleOrNotFound(
        principal,
        "connect session",
        id,
        await findConnectSession(db, id),
        placeOf,
      );
      const { status, errorCode } = reportedStatusOf(session, now());
      return create(GetConnectSessionResponseSchema, {
        sessionId: session.id,
        status,
        accountId: session.account_id ?? "",
        errorCode,
        authConfigId: session.auth_config_id,
        externalUserId: session.external_user_id,
        expiresAt: timestampFromDate(session.expires_at),
        reconnected: session.reconnected,
      });
    },
  };
}

/** A session's status as clients see it: an unfinished session past its expiry has FAILED with `expired`. */
function reportedStatusOf(
  session: ConnectSessionRow,
  at: Date,
): { status: ConnectSessionStatus; errorCode: string } {
  if (session.status === "connected") return { status: ConnectSessionStatus.CONNECTED, errorCode: "" };
  if (session.status === "failed") {
    return { status: ConnectSessionStatus.FAILED, errorCode: session.error_code ?? "" };
  }
  if (session.status === "pending" && session.expires_at <= at) {
    return { status: ConnectSessionStatus.FAILED, errorCode: "expired" };
  }
  // A claimed session finishes within the exchange's timeout; one still exchanging a minute
  // past its expiry lost its gateway mid-exchange.
  if (session.status === "exchanging" && session.expires_at.getTime() + 60_000 <= at.getTime()) {
    return { status: ConnectSessionStatus.FAILED, errorCode: "interrupted" };
  }
  return { status: ConnectSessionStatus.PENDING, errorCode: "" };
}

/** The provider's authorization URL for one session (RFC 6749 §4.1.1 with RFC 7636 S256). */
function authorizeUrlOf(
  authConfig: AuthConfigRow,
  request: { redirectUri: string; scopes: string[]; state: string; codeChallenge: string },
): string {
  const url = new URL(authConfig.authorize_url!);
  for (const [name, value] of Object.entries(authConfig.authorize_params)) {
    if (!RESERVED_AUTHORIZE_PARAMS.has(name)) url.searchParams.set(name, value);
  }
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", authConfig.client_id);
  url.searchParams.set("redirect_uri", request.redirectUri);
  if (request.scopes.length > 0) url.searchParams.set("scope", request.scopes.join(" "));
  url.searchParams.set("state", request.state);
  url.searchParams.set("code_challenge", request.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}
