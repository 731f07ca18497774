import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { API_SCOPES, principalOf, requireOperator } from "@warden/auth";
import { hashSecretToken, newSecretToken } from "@warden/crypto";
import { readKeysetPage } from "@warden/db";
import { invalidArgument, notFound, WardenError } from "@warden/errors";
import { newId, parseId } from "@warden/ids";
import type { AdminService } from "@warden/proto/admin/v1";
import {
  CreateApiKeyResponseSchema,
  CreateOrgResponseSchema,
  CreateProjectResponseSchema,
  DeleteProjectResponseSchema,
  ListApiKeysResponseSchema,
  RevokeApiKeyResponseSchema,
} from "@warden/proto/admin/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import {
  findLiveProject,
  findOrg,
  insertApiKey,
  insertOrg,
  insertProject,
  listApiKeys,
  revokeApiKey,
  softDeleteProject,
} from "../repositories/tenancy.repository.js";
import { orgToProto, projectToProto } from "../to-proto.js";
import { apiKeyToProto } from "../api-key-to-proto.js";
import { optionalTimestamp, requiredText } from "./request-fields.js";

const KNOWN_SCOPES = new Set<string>(API_SCOPES);
const MICROS = /^\d{1,20}$/;

/** AdminService: tenants and API keys, for the operator key only. */
export function createAdminService(deps: GatewayDeps): ServiceImpl<typeof AdminService> {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async createOrg(req, ctx) {
      requireOperator(principalOf(ctx));
      const name = requiredText("name", req.name, 200);
      const org = await insertOrg(db, { id: newId("org"), name });
      return create(CreateOrgResponseSchema, { org: orgToProto(org) });
    },

    async createProject(req, ctx) {
      requireOperator(principalOf(ctx));
      const orgId = parseId("org_id", req.orgId, "org");
      const name = requiredText("name", req.name, 200);
      if (!(await findOrg(db, orgId))) throw notFound("org", orgId);
      const project = await insertProject(db, { id: newId("project"), org_id: orgId, name });
      return create(CreateProjectResponseSchema, { project: projectToProto(project) });
    },

    async deleteProject(req, ctx) {
      const principal = principalOf(ctx);
      requireOperator(principal);
      const projectId = parseId("project_id", req.projectId, "project");
      if (!(await findLiveProject(db, projectId))) throw notFound("project", projectId);
      let jobId = "";
      if (req.revokeOnDelete) {
        if (!deps.startOrJoinRevokeJob)
          throw new WardenError("unimplemented", "revoke_on_delete is not available yet");
        jobId = await deps.startOrJoinRevokeJob(principal, { kind: "project", id: projectId });
      }
      const project = await db.transaction().execute((trx) => softDeleteProject(trx, projectId, now()));
      if (!project) throw notFound("project", projectId);
      return create(DeleteProjectResponseSchema, { project: projectToProto(project), jobId });
    },

    async createApiKey(req, ctx) {
      requireOperator(principalOf(ctx));
      const orgId = parseId("org_id", req.orgId, "org");
      const projectId = req.projectId ? parseId("project_id", req.projectId, "project") : null;
      if (req.scopes.length === 0)
        throw invalidArgument("scopes", `must name at least one of ${API_SCOPES.join(" ")}`);
      for (const [i, scope] of req.scopes.entries()) {
        if (!KNOWN_SCOPES.has(scope))
          throw invalidArgument(`scopes[${i}]`, `must be one of ${API_SCOPES.join(" ")}`);
      }
      const expiresAt = optionalTimestamp("expires_at", req.expiresAt);
      if (expiresAt && expiresAt <= now()) throw invalidArgument("expires_at", "must be in the future");
      if (!(await findOrg(db, orgId))) throw notFound("org", orgId);
      if (projectId) {
        const project = await findLiveProject(db, projectId);
        if (!project || project.org_id !== orgId) throw notFound("project", projectId);
      }
      const apiKey = newSecretToken("wdn");
      const keyId = newId("apiKey");
      await insertApiKey(db, {
        id: keyId,
        org_id: orgId,
        project_id: projectId,
        scopes: [...new Set(req.scopes)],
        key_hash: hashSecretToken(apiKey),
        expires_at: expiresAt,
      });
      return create(CreateApiKeyResponseSchema, { keyId, apiKey });
    },

    async revokeApiKey(req, ctx) {
      requireOperator(principalOf(ctx));
      const keyId = parseId("key_id", req.keyId, "apiKey");
      if (!(await revokeApiKey(db, keyId, now()))) throw notFound("api key", keyId);
      return create(RevokeApiKeyResponseSchema, {});
    },
    async listApiKeys(req, ctx) {
      requireOperator(principalOf(ctx));
      const orgId = req.orgId ? parseId("org_id", req.orgId, "org") : undefined;
      const { rows, nextCursor } = await readKeysetPage({
        cursors: deps.cursors,
        context: `api-keys:${orgId ?? "*"}`,
        cursor: req.cursor,
        pageSize: req.pageSize,
        keyLength: 2,
        fetch: (after, limit) => {
          if (after && !MICROS.test(after[0]!)) throw invalidArgument("cursor", "is not a valid cursor");
          return listApiKeys(db, { orgId, after, limit });
        },
        keyOf: (row) => [row.created_us, row.id],
      });
      return create(ListApiKeysResponseSchema, { apiKeys: rows.map(apiKeyToProto), nextCursor });
    },
  };
}
