import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { principalOf, requireScope, visibleOrNotFound, type Principal } from "@warden/auth";
import { openAccountToken } from "@warden/crypto";
import { invalidArgument, notFound } from "@warden/errors";
import { parseId } from "@warden/ids";
import {
  GetAccessTokenResponseSchema,
  RefreshAccessTokenResponseSchema,
  type TokensService,
} from "@warden/proto/tokens/v1";
import type { TokenAccount } from "../repositories/token-accounts.repository.js";
import { tokenFailure, unusableAccountError } from "../refresh/refresh-errors.js";
import { isFreshFor } from "../refresh/token-validity.js";
import type { TokenRefreshDeps } from "../token-refresh-deps.js";

// A day: asking a token to stay valid longer than that is a client bug, not a need.
const MAX_MIN_VALID_SECONDS = 86_400;

const accountPlace = (account: TokenAccount) => ({ orgId: account.org_id, projectId: account.project_id });

/**
 * TokensService. Callable by an API key holding tokens:read (its tenant's
 * accounts only) or by a lease token (its own account only); every other
 * account is NOT_FOUND, so existence never leaks. The one RPC family that
 * hands out an access token; never a refresh token.
 */
export function createTokensService(deps: TokenRefreshDeps): ServiceImpl<typeof TokensService> {
  const { readAccount, keyring, cache, coordinator } = deps;
  const now = deps.now ?? Date.now;

  /** Checks the caller may ask for this account's token at all, before any lookup. */
  function authorize(principal: Principal, accountId: string): void {
    if (principal.kind === "lease") {
      if (principal.accountId !== accountId) throw notFound("connected account", accountId);
      return;
    }
    requireScope(principal, "tokens:read");
  }

  async function readVisible(principal: Principal, accountId: string): Promise<TokenAccount> {
    const account = visibleOrNotFound(
      principal,
      "connected account",
      accountId,
      await readAccount(accountId),
      accountPlace,
    );
    const unusable = unusableAccountError(account);
    if (unusable) {
      if (account.status === "needs_reconnect")
        deps.metrics.cachedFailureShortCircuits.inc({ scope: "account_status" });
      throw unusable;
    }
    return account;
  }

  function tokenOf(account: TokenAccount, refreshed: boolean) {
    if (account.access_token_ciphertext === null || account.token_key_id === null) {
      throw tokenFailure(account, "NEEDS_RECONNECT", "no_access_token");
    }
    const accessToken = openAccountToken(
      keyring,
      { authConfigId: account.auth_config_id, externalUserId: account.external_user_id },
      "access",
      { ciphertext: account.access_token_ciphertext, keyId: account.token_key_id },
    );
    return {
      accessToken,
      // The schema keeps no token_type; every provider Warden refreshes issues bearer tokens.
      tokenType: "Bearer",
      ...(account.expires_at ? { expiresAt: timestampFromDate(account.expires_at) } : {}),
      refreshed,
    };
  }

  async function getToken(principal: Principal, accountId: string, minValidSeconds: number, force: boolean) {
    authorize(principal, accountId);
    if (!force) {
      const cached = cache.get(accountId);
      if (cached && visibleOrNotFound(principal, "connected account", accountId, cached, accountPlace)) {
        if (isFreshFor(cached, minValidSeconds, now(), deps.unknownExpiryLifetimeS))
          return tokenOf(cached, false);
      }
    }
    const account = await readVisible(principal, accountId);
    if (!force && isFreshFor(account, minValidSeconds, now(), deps.unknownExpiryLifetimeS)) {
      cache.set(account);
      return tokenOf(account, false);
    }
    cache.delete(accountId);
    const result = await coordinator.refresh(account);
    return tokenOf(result.account, result.refreshed);
  }

  return {
    async getAccessToken(req, ctx: HandlerContext) {
      const accountId = parseId("account_id", req.accountId, "account");
      if (req.minValidSeconds < 0 || req.minValidSeconds > MAX_MIN_VALID_SECONDS) {
        throw invalidArgument("min_valid_seconds", `must be between 0 and ${MAX_MIN_VALID_SECONDS}`);
      }
      const token = await getToken(principalOf(ctx), accountId, req.minValidSeconds, false);
      return create(GetAccessTokenResponseSchema, token);
    },

    async refreshAccessToken(req, ctx: HandlerContext) {
      const accountId = parseId("account_id", req.accountId, "account");
      const token = await getToken(principalOf(ctx), accountId, 0, true);
      return create(RefreshAccessTokenResponseSchema, token);
    },
  };
}
