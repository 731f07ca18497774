import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { principalOf, requireScope, visibleOrNotFound } from "@warden/auth";
import { busNames } from "@warden/bus";
import { clientSecretAssociatedData } from "@warden/crypto";
import { invalidArgument, notFound, unavailable } from "@warden/errors";
import { parseId } from "@warden/ids";
import { parseProviderUrl } from "@warden/oauth";
import {
  UpdateAuthConfigResponseSchema,
  type UpdateAuthConfigRequest,
  type UpdateAuthConfigResponse,
} from "@warden/proto/accounts/v1";
import { authConfigRefreshFailureKey, revokeBreakerFailuresKey, revokeBreakerOpenKey } from "@warden/redis";
import {
  CLIENT_AUTH_FROM_PROTO,
  RESPONSE_STYLE_FROM_PROTO,
  REVOKE_METHOD_FROM_PROTO,
} from "../auth-config-enums.js";
import type { GatewayDeps } from "../gateway-deps.js";
import {
  updateLiveAuthConfig,
  type AuthConfigChanges,
} from "../repositories/auth-config-update.repository.js";
import { findLiveAuthConfig } from "../repositories/auth-configs.repository.js";
import { authConfigToProto } from "../to-proto.js";
import { requiredSecret, requiredText } from "./request-fields.js";

/** An optional URL field: unset keeps the column, "" clears it (when clearable), anything else is checked like CreateAuthConfig's. */
function urlChange(field: string, value: string | undefined, clearable: boolean): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === "") {
    if (!clearable) throw invalidArgument(field, "must not be empty");
    return null;
  }
  return parseProviderUrl(field, value);
}

function enumChange<Column>(
  field: string,
  value: number | undefined,
  map: ReadonlyMap<number, Column>,
  allowed: string,
): Column | undefined {
  if (value === undefined) return undefined;
  const column = map.get(value);
  if (column === undefined) throw invalidArgument(field, `must be ${allowed}`);
  return column;
}

/**
 * AccountsService.UpdateAuthConfig: changes only the fields the request sets
 * (URLs checked as CreateAuthConfig checks them; the client secret re-sealed
 * with the keyring and never returned), then clears every app-level failure
 * cached about the auth config: token-refresh's cached failure, the revoke
 * breakers in Redis, and (by a NATS nudge) each executor's cached client and
 * breakers. Another tenant's auth config is NOT_FOUND.
 */
export function createUpdateAuthConfigHandler(deps: GatewayDeps) {
  const { db, keyring, redis, bus, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const names = busNames(deps.namespace);

  const clearAppFailures = (id: string) =>
    redis.del(authConfigRefreshFailureKey(id), revokeBreakerFailuresKey(id), revokeBreakerOpenKey(id));

  return async function updateAuthConfig(
    req: UpdateAuthConfigRequest,
    ctx: HandlerContext,
  ): Promise<UpdateAuthConfigResponse> {
    const principal = requireScope(principalOf(ctx), "accounts:write");
    const id = parseId("auth_config_id", req.authConfigId, "authConfig");
    const changes: AuthConfigChanges = {
      name: req.name === undefined ? undefined : requiredText("name", req.name, 200),
      token_url: urlChange("token_url", req.tokenUrl, false) ?? undefined,
      revoke_url: urlChange("revoke_url", req.revokeUrl, true),
      authorize_url: urlChange("authorize_url", req.authorizeUrl, true),
      client_id: req.clientId === undefined ? undefined : requiredText("client_id", req.clientId, 512),
      client_auth: enumChange(
        "client_auth",
        req.clientAuth,
        CLIENT_AUTH_FROM_PROTO,
        "CLIENT_AUTH_BASIC, CLIENT_AUTH_POST or CLIENT_AUTH_NONE",
      ),
      response_style: enumChange(
        "response_style",
        req.responseStyle,
        RESPONSE_STYLE_FROM_PROTO,
        "RESPONSE_STYLE_RFC6749, RESPONSE_STYLE_SLACK or RESPONSE_STYLE_ERROR_IN_200",
      ),
      revoke_method: enumChange(
        "revoke_method",
        req.revokeMethod,
        REVOKE_METHOD_FROM_PROTO,
        "a RevokeMethod",
      ),
    };
    const secret =
      req.clientSecret === undefined ? undefined : requiredSecret("client_secret", req.clientSecret, 4096);
    const current = visibleOrNotFound(
      principal,
      "auth config",
      id,
      await findLiveAuthConfig(db, id),
      (row) => ({
        orgId: row.org_id,
        projectId: row.project_id,
      }),
    );
    const clientAuth = changes.client_auth ?? current.client_auth;
    if (clientAuth !== "none" && secret === undefined && current.client_secret_ciphertext === null) {
      throw invalidArgument(
        "client_secret",
        "is required for a confidential client (client_auth BASIC or POST)",
      );
    }
    if (secret !== undefined) {
      const sealed = keyring.seal(secret, clientSecretAssociatedData(id));
      changes.client_secret_ciphertext = sealed.ciphertext;
      changes.client_secret_key_id = sealed.keyId;
    }

    // Cleared before the write as well as after it: with Redis down the call fails before
    // changing anything, and a failure cached meanwhile (with the old client) is cleared after.
    try {
      await clearAppFailures(id);
    } catch {
      throw unavailable("the failure caches cannot be cleared right now (Redis); retry");
    }
    const row = await updateLiveAuthConfig(db, id, changes, now());
    if (!row) throw notFound("auth config", id);
    await clearAppFailures(id).catch((error: unknown) =>
      logger.warn(
        { authConfigId: id, err: { message: (error as Error).message } },
        "could not clear failure caches",
      ),
    );
    bus.nc.publish(names.subjects.authConfigUpdated(id));
    logger.info(
      {
        authConfigId: id,
        fields: Object.keys(changes).filter((k) => changes[k as keyof AuthConfigChanges] !== undefined),
      },
      "auth config updated",
    );
    return create(UpdateAuthConfigResponseSchema, { authConfig: authConfigToProto(row) });
  };
}
