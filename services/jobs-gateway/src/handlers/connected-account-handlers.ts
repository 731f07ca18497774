import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  principalOf,
  requireScope,
  visibleOrNotFound,
  type Principal,
  listProjectFilter,
} from "@warden/auth";
import { busNames } from "@warden/bus";
import { sealAccountTokens } from "@warden/crypto";
import {
  readKeysetPage,
  type AccountStatusColumn,
  type AuthConfigRow,
  type ConnectedAccountRow,
  type NewConnectedAccountRow,
} from "@warden/db";
import { accountDeletedOutboxEvent } from "@warden/events";
import { alreadyExists, invalidArgument, notFound, WardenError } from "@warden/errors";
import { newId, parseId } from "@warden/ids";
import { enqueueEvents } from "@warden/outbox";
import { accountRefreshFailureKey } from "@warden/redis";
import {
  AccountStatus,
  CreateConnectedAccountResponseSchema,
  DeleteConnectedAccountResponseSchema,
  GetConnectedAccountResponseSchema,
  ImportConnectedAccountsResponseSchema,
  ListConnectedAccountsResponseSchema,
  ReconnectAccountResponseSchema,
  type CreateConnectedAccountRequest,
  type CreateConnectedAccountResponse,
  type DeleteConnectedAccountRequest,
  type DeleteConnectedAccountResponse,
  type GetConnectedAccountRequest,
  type GetConnectedAccountResponse,
  type ImportConnectedAccountsRequest,
  type ImportConnectedAccountsResponse,
  type ListConnectedAccountsRequest,
  type ListConnectedAccountsResponse,
  type ReconnectAccountRequest,
  type ReconnectAccountResponse,
} from "@warden/proto/accounts/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import { findLiveAuthConfig } from "../repositories/auth-configs.repository.js";
import {
  findAccount,
  insertAccount,
  listAccounts,
  reconnectAccount,
  softDeleteAccount,
  upsertAccounts,
} from "../repositories/accounts.repository.js";
import { accountToProto } from "../to-proto.js";
import { optionalSecret, optionalTimestamp, requiredSecret, requiredText } from "./request-fields.js";

const IMPORT_BATCH = 1000;
const IMPORT_MAX = 100_000;

const STATUS_FROM_PROTO: Record<number, AccountStatusColumn | null> = {
  [AccountStatus.UNSPECIFIED]: null,
  [AccountStatus.ACTIVE]: "active",
  [AccountStatus.NEEDS_RECONNECT]: "needs_reconnect",
  [AccountStatus.REVOKED]: "revoked",
  [AccountStatus.DELETED]: "deleted",
};

const accountPlace = (row: ConnectedAccountRow) => ({ orgId: row.org_id, projectId: row.project_id });
const authConfigPlace = (row: AuthConfigRow) => ({ orgId: row.org_id, projectId: row.project_id });

type AccountInput = Pick<
  ImportConnectedAccountsRequest,
  "authConfigId" | "externalUserId" | "accessToken" | "refreshToken" | "expiresAt"
>;

/** The connected-account half of AccountsService. */
export function createConnectedAccountHandlers(deps: GatewayDeps) {
  const { db, keyring, cursors, redis, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const names = busNames(deps.namespace);

  async function visibleAuthConfig(principal: Principal, id: string): Promise<AuthConfigRow> {
    return visibleOrNotFound(principal, "auth config", id, await findLiveAuthConfig(db, id), authConfigPlace);
  }

  async function visibleAccount(principal: Principal, id: string): Promise<ConnectedAccountRow> {
    return visibleOrNotFound(principal, "connected account", id, await findAccount(db, id), accountPlace);
  }

  /** Validates one account's fields (prefix names the message in a stream) and seals its tokens. */
  function accountRow(
    input: AccountInput,
    authConfig: AuthConfigRow,
    prefix: string,
    at: Date,
  ): NewConnectedAccountRow {
    const externalUserId = requiredText(`${prefix}external_user_id`, input.externalUserId, 256);
    const access = requiredSecret(`${prefix}access_token`, input.accessToken);
    const refresh = optionalSecret(`${prefix}refresh_token`, input.refreshToken);
    const expiresAt = optionalTimestamp(`${prefix}expires_at`, input.expiresAt);
    const sealed = sealAccountTokens(
      keyring,
      { authConfigId: authConfig.id, externalUserId },
      { access, refresh },
    );
    return {
      id: newId("account"),
      org_id: authConfig.org_id,
      project_id: authConfig.project_id,
      auth_config_id: authConfig.id,
      external_user_id: externalUserId,
      status: "active",
      status_reason: null,
      status_changed_at: at,
      access_token_ciphertext: sealed.access,
      refresh_token_ciphertext: sealed.refresh,
      token_key_id: sealed.keyId,
      expires_at: expiresAt,
      last_refreshed_at: null,
      revoked_upstream_at: null,
      updated_at: at,
      deleted_at: null,
    };
  }

  return {
    async createConnectedAccount(
      req: CreateConnectedAccountRequest,
      ctx: HandlerContext,
    ): Promise<CreateConnectedAccountResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:write");
      const authConfigId = parseId("auth_config_id", req.authConfigId, "authConfig");
      const authConfig = await visibleAuthConfig(principal, authConfigId);
      const row = accountRow(req, authConfig, "", now());
      const inserted = await insertAccount(db, row);
      if (!inserted)
        throw alreadyExists(
          `a connected account for external_user_id ${row.external_user_id} already exists`,
        );
      return create(CreateConnectedAccountResponseSchema, { account: accountToProto(inserted) });
    },

    async importConnectedAccounts(
      requests: AsyncIterable<ImportConnectedAccountsRequest>,
      ctx: HandlerContext,
    ): Promise<ImportConnectedAccountsResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:write");
      const at = now();
      const authConfigs = new Map<string, AuthConfigRow>();
      const rows: NewConnectedAccountRow[] = [];
      const seen = new Set<string>();
      // Validate and seal everything first; nothing is written unless every
      // message is valid, so a bad message at #9,999 leaves no rows behind.
      let index = 0;
      for await (const req of requests) {
        if (index >= IMPORT_MAX)
          throw invalidArgument("accounts", `an import may carry at most ${IMPORT_MAX} accounts`);
        const prefix = `accounts[${index}].`;
        const authConfigId = parseId(`${prefix}auth_config_id`, req.authConfigId, "authConfig");
        let authConfig = authConfigs.get(authConfigId);
        if (!authConfig) {
          authConfig = await visibleAuthConfig(principal, authConfigId);
          authConfigs.set(authConfigId, authConfig);
        }
        const row = accountRow(req, authConfig, prefix, at);
        const identity = `${authConfigId}\0${row.external_user_id}`;
        if (seen.has(identity))
          throw invalidArgument(`${prefix}external_user_id`, "appears twice in this import");
        seen.add(identity);
        rows.push(row);
        index++;
      }
      if (rows.length === 0) throw invalidArgument("accounts", "the stream carried no accounts");
      const totals = await db.transaction().execute(async (trx) => {
        const sum = { created: 0, updated: 0 };
        for (let i = 0; i < rows.length; i += IMPORT_BATCH) {
          const result = await upsertAccounts(trx, rows.slice(i, i + IMPORT_BATCH));
          sum.created += result.created;
          sum.updated += result.updated;
        }
        return sum;
      });
      logger.info({ orgId: principal.orgId, ...totals }, "imported connected accounts");
      return create(ImportConnectedAccountsResponseSchema, totals);
    },

    async getConnectedAccount(
      req: GetConnectedAccountRequest,
      ctx: HandlerContext,
    ): Promise<GetConnectedAccountResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:read");
      const id = parseId("account_id", req.accountId, "account");
      return create(GetConnectedAccountResponseSchema, {
        account: accountToProto(await visibleAccount(principal, id)),
      });
    },

    async listConnectedAccounts(
      req: ListConnectedAccountsRequest,
      ctx: HandlerContext,
    ): Promise<ListConnectedAccountsResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:read");
      const authConfigId = req.authConfigId
        ? parseId("auth_config_id", req.authConfigId, "authConfig")
        : null;
      const projectId = listProjectFilter(
        principal,
        req.projectId ? parseId("project_id", req.projectId, "project") : null,
      );
      if (!(req.status in STATUS_FROM_PROTO))
        throw invalidArgument("status", "is not a known account status");
      const status = STATUS_FROM_PROTO[req.status] ?? null;
      if (projectId === "invisible") return create(ListConnectedAccountsResponseSchema, {});
      const context = `accounts:${principal.orgId}:${projectId ?? "*"}:${authConfigId ?? "*"}:${status ?? "*"}`;
      const { rows, nextCursor } = await readKeysetPage({
        cursors,
        context,
        cursor: req.cursor,
        pageSize: req.pageSize,
        keyLength: 1,
        fetch: (after, limit) =>
          listAccounts(db, {
            orgId: principal.orgId,
            projectId,
            authConfigId,
            status,
            afterId: after?.[0],
            limit,
          }),
        keyOf: (row) => [row.id],
      });
      return create(ListConnectedAccountsResponseSchema, { accounts: rows.map(accountToProto), nextCursor });
    },

    async reconnectAccount(
      req: ReconnectAccountRequest,
      ctx: HandlerContext,
    ): Promise<ReconnectAccountResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:write");
      const id = parseId("account_id", req.accountId, "account");
      const access = requiredSecret("access_token", req.accessToken);
      const refresh = optionalSecret("refresh_token", req.refreshToken);
      const expiresAt = optionalTimestamp("expires_at", req.expiresAt);
      const account = await visibleAccount(principal, id);
      if (account.deleted_at) throw notFound("connected account", id);
      const sealed = sealAccountTokens(
        keyring,
        { authConfigId: account.auth_config_id, externalUserId: account.external_user_id },
        { access, refresh },
      );
      const updated = await reconnectAccount(db, id, { ...sealed, expiresAt }, now());
      if (!updated) throw notFound("connected account", id);
      // The bumped token_version already makes token-refresh ignore an older
      // cached failure; deleting it too just saves that service a check.
      await redis.del(accountRefreshFailureKey(id)).catch((error: unknown) => {
        logger.warn(
          { accountId: id, err: error },
          "could not clear cached refresh failure; token_version covers it",
        );
      });
      return create(ReconnectAccountResponseSchema, { account: accountToProto(updated) });
    },

    async deleteConnectedAccount(
      req: DeleteConnectedAccountRequest,
      ctx: HandlerContext,
    ): Promise<DeleteConnectedAccountResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:write");
      const id = parseId("account_id", req.accountId, "account");
      const account = await visibleAccount(principal, id);
      if (account.deleted_at) throw notFound("connected account", id);
      let jobId = "";
      if (req.revokeOnDelete) {
        if (!deps.startOrJoinRevokeJob)
          throw new WardenError("unimplemented", "revoke_on_delete is not available yet");
        jobId = await deps.startOrJoinRevokeJob(principal, { kind: "connected_account", id });
      }
      // The deleted event commits with the soft delete or not at all (DESIGN §8): a
      // delete that lost a race (already deleted) writes neither.
      const deleted = await db.transaction().execute(async (trx) => {
        const row = await softDeleteAccount(trx, id, now());
        if (row)
          await enqueueEvents(trx, [
            accountDeletedOutboxEvent(names, row, "deleted", { jobId, occurredAt: row.deleted_at ?? now() }),
          ]);
        return row;
      });
      if (!deleted) throw notFound("connected account", id);
      return create(DeleteConnectedAccountResponseSchema, { account: accountToProto(deleted), jobId });
    },
  };
}
