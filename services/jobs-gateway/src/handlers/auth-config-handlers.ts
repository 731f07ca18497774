import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { principalOf, requireScope, visibleOrNotFound, listProjectFilter } from "@warden/auth";
import { clientSecretAssociatedData } from "@warden/crypto";
import { readKeysetPage, type AuthConfigRow } from "@warden/db";

import { invalidArgument, notFound, WardenError } from "@warden/errors";
import { newId, parseId } from "@warden/ids";
import {
  CreateAuthConfigResponseSchema,
  DeleteAuthConfigResponseSchema,
  GetAuthConfigResponseSchema,
  ListAuthConfigsResponseSchema,
  type CreateAuthConfigRequest,
  type CreateAuthConfigResponse,
  type DeleteAuthConfigRequest,
  type DeleteAuthConfigResponse,
  type GetAuthConfigRequest,
  type GetAuthConfigResponse,
  type ListAuthConfigsRequest,
  type ListAuthConfigsResponse,
} from "@warden/proto/accounts/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import {
  findLiveAuthConfig,
  insertAuthConfig,
  listAuthConfigs,
  softDeleteAuthConfig,
} from "../repositories/auth-configs.repository.js";
import { findLiveProject } from "../repositories/tenancy.repository.js";
import { authConfigToProto } from "../to-proto.js";
import { resolveAuthConfigFields } from "./auth-config-fields.js";

const placeOf = (row: AuthConfigRow) => ({ orgId: row.org_id, projectId: row.project_id });

/** The auth-config half of AccountsService. */
export function createAuthConfigHandlers(deps: GatewayDeps) {
  const { db, keyring, cursors } = deps;
  const now = deps.now ?? (() => new Date());

  async function visibleAuthConfig(ctx: HandlerContext, id: string): Promise<AuthConfigRow> {
    return visibleOrNotFound(principalOf(ctx), "auth config", id, await findLiveAuthConfig(db, id), placeOf);
  }

  return {
    async createAuthConfig(
      req: CreateAuthConfigRequest,
      ctx: HandlerContext,
    ): Promise<CreateAuthConfigResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:write");
      const projectId = req.projectId ? parseId("project_id", req.projectId, "project") : principal.projectId;
      if (!projectId) throw invalidArgument("project_id", "is required for a key not bound to a project");
      const { clientSecret, ...fields } = resolveAuthConfigFields(req);
      const project = await findLiveProject(db, projectId);
      if (
        !project ||
        project.org_id !== principal.orgId ||
        (principal.projectId && principal.projectId !== projectId)
      ) {
        throw notFound("project", projectId);
      }
      const id = newId("authConfig");
      // A public client has no secret to seal.
      const sealed =
        clientSecret === null ? null : keyring.seal(clientSecret, clientSecretAssociatedData(id));
      const row = await insertAuthConfig(db, {
        id,
        org_id: project.org_id,
        project_id: project.id,
        ...fields,
        client_secret_ciphertext: sealed?.ciphertext ?? null,
        client_secret_key_id: sealed?.keyId ?? null,
        deleted_at: null,
      });
      return create(CreateAuthConfigResponseSchema, { authConfig: authConfigToProto(row) });
    },

    async getAuthConfig(req: GetAuthConfigRequest, ctx: HandlerContext): Promise<GetAuthConfigResponse> {
      requireScope(principalOf(ctx), "accounts:read");
      const id = parseId("auth_config_id", req.authConfigId, "authConfig");
      return create(GetAuthConfigResponseSchema, {
        authConfig: authConfigToProto(await visibleAuthConfig(ctx, id)),
      });
    },

    async listAuthConfigs(
      req: ListAuthConfigsRequest,
      ctx: HandlerContext,
    ): Promise<ListAuthConfigsResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:read");
      const projectId = listProjectFilter(
        principal,
        req.projectId ? parseId("project_id", req.projectId, "project") : null,
      );
      if (projectId === "invisible") return create(ListAuthConfigsResponseSchema, {});
      const context = `auth-configs:${principal.orgId}:${projectId ?? "*"}`;
      const { rows, nextCursor } = await readKeysetPage({
        cursors,
        context,
        cursor: req.cursor,
        pageSize: req.pageSize,
        keyLength: 1,
        fetch: (after, limit) =>
          listAuthConfigs(db, { orgId: principal.orgId, projectId, afterId: after?.[0], limit }),
        keyOf: (row) => [row.id],
      });
      return create(ListAuthConfigsResponseSchema, { authConfigs: rows.map(authConfigToProto), nextCursor });
    },

    async deleteAuthConfig(
      req: DeleteAuthConfigRequest,
      ctx: HandlerContext,
    ): Promise<DeleteAuthConfigResponse> {
      const principal = requireScope(principalOf(ctx), "accounts:write");
      const id = parseId("auth_config_id", req.authConfigId, "authConfig");
      await visibleAuthConfig(ctx, id);
      let jobId = "";
      if (req.revokeOnDelete) {
        if (!deps.startOrJoinRevokeJob)
          throw new WardenError("unimplemented", "revoke_on_delete is not available yet");
        jobId = await deps.startOrJoinRevokeJob(principal, { kind: "auth_config", id });
      }
      const row = await db.transaction().execute((trx) => softDeleteAuthConfig(trx, id, now()));
      if (!row) throw notFound("auth config", id);
      return create(DeleteAuthConfigResponseSchema, { authConfig: authConfigToProto(row), jobId });
    },
  };
}
