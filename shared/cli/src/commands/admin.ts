import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CreateApiKeyResponseSchema,
  CreateOrgResponseSchema,
  CreateProjectResponseSchema,
  DeleteProjectResponseSchema,
  ListApiKeysResponseSchema,
  RevokeApiKeyResponseSchema,
} from "@warden/proto/admin/v1";
import {
  flag,
  listOption,
  pagingOptions,
  positional,
  requiredOption,
  stringOption,
  type CommandGroup,
} from "../command.js";
import { UsageError } from "../cli-io.js";
import { formatTime, parseTime } from "../format.js";
import { fetchPages, printNextCursorHint } from "../paging.js";
import { printMessage } from "../print-message.js";
import { printFields, printTable } from "../table.js";

/** Every scope an API key can carry (DESIGN §3). */
export const ALL_SCOPES = [
  "accounts:read",
  "accounts:write",
  "jobs:read",
  "jobs:write",
  "leases:read",
  "leases:write",
  "tokens:read",
  "audit:read",
] as const;

/** `warden admin …`: the operator's bootstrap of orgs, projects and API keys (operator key). */
export const adminCommands: CommandGroup = {
  name: "admin",
  summary: "bootstrap orgs, projects and API keys (operator key)",
  commands: {
    "create-org": {
      usage: "--name <name>",
      summary: "create an org",
      keyKind: "admin",
      options: { name: { type: "string" } },
      async run(ctx) {
        const response = await ctx.clients.admin.createOrg({ name: requiredOption(ctx, "name") });
        printMessage(ctx, CreateOrgResponseSchema, response, () =>
          printFields(ctx.io.stdout, [
            ["org", response.org?.id ?? ""],
            ["name", response.org?.name ?? ""],
            ["created", formatTime(response.org?.createdAt)],
          ]),
        );
      },
    },
    "create-project": {
      usage: "--org <org-id> --name <name>",
      summary: "create a project in an org",
      keyKind: "admin",
      options: { org: { type: "string" }, name: { type: "string" } },
      async run(ctx) {
        const response = await ctx.clients.admin.createProject({
          orgId: requiredOption(ctx, "org"),
          name: requiredOption(ctx, "name"),
        });
        printMessage(ctx, CreateProjectResponseSchema, response, () =>
          printFields(ctx.io.stdout, [
            ["project", response.project?.id ?? ""],
            ["org", response.project?.orgId ?? ""],
            ["name", response.project?.name ?? ""],
          ]),
        );
      },
    },
    "delete-project": {
      usage: "<project-id> [--revoke]",
      summary: "soft-delete a project; --revoke first starts (or joins) a revoke job for it",
      keyKind: "admin",
      positionals: [1, 1],
      options: { revoke: { type: "boolean" } },
      async run(ctx) {
        const response = await ctx.clients.admin.deleteProject({
          projectId: positional(ctx, 0),
          revokeOnDelete: flag(ctx, "revoke"),
        });
        printMessage(ctx, DeleteProjectResponseSchema, response, () =>
          printFields(ctx.io.stdout, [
            ["project", response.project?.id ?? ""],
            ["deleted", formatTime(response.project?.deletedAt)],
            ["revoke job", response.jobId],
          ]),
        );
      },
    },
    "create-api-key": {
      usage: "--org <org-id> [--project <project-id>] --scopes <scope,…|all> [--expires <ISO time|+seconds>]",
      summary: "create an API key; its secret is printed once",
      keyKind: "admin",
      options: {
        org: { type: "string" },
        project: { type: "string" },
        scopes: { type: "string", multiple: true },
        expires: { type: "string" },
      },
      async run(ctx) {
        const expires = stringOption(ctx, "expires");
        let scopes = listOption(ctx, "scopes");
        if (scopes.length === 0)
          throw new UsageError(`--scopes is required (any of ${ALL_SCOPES.join(",")}, or all)`);
        if (scopes.includes("all")) scopes = [...ALL_SCOPES];
        const response = await ctx.clients.admin.createApiKey({
          orgId: requiredOption(ctx, "org"),
          projectId: stringOption(ctx, "project") ?? "",
          scopes,
          expiresAt: expires === undefined ? undefined : timestampFromDate(parseTime("expires", expires)),
        });
        // The one place the CLI prints an API key: this command exists to show it.
        printMessage(ctx, CreateApiKeyResponseSchema, response, () => {
          printFields(ctx.io.stdout, [
            ["key id", response.keyId],
            ["api key", response.apiKey],
            ["scopes", scopes.join(" ")],
          ]);
          ctx.io.stderr.write("store the api key now: it is shown only once\n");
        });
      },
    },
    "list-api-keys": {
      usage: "[--org <org-id>] [--page-size N] [--cursor C] [--all]",
      summary: "list API keys (never their secrets), newest first, with last use and expiry",
      keyKind: "admin",
      options: { ...pagingOptions, org: { type: "string" } },
      async run(ctx) {
        const orgId = stringOption(ctx, "org") ?? "";
        const page = await fetchPages(ctx, async ({ pageSize, cursor }) => {
          const r = await ctx.clients.admin.listApiKeys({ orgId, pageSize, cursor });
          return { items: r.apiKeys, nextCursor: r.nextCursor };
        });
        const response = create(ListApiKeysResponseSchema, {
          apiKeys: page.items,
          nextCursor: page.nextCursor,
        });
        printMessage(ctx, ListApiKeysResponseSchema, response, () =>
          printTable(
            ctx.io.stdout,
            ["key id", "org", "project", "scopes", "created", "expires", "last used", "revoked"],
            page.items.map((k) => [
              k.keyId,
              k.orgId,
              k.projectId,
              k.scopes.join(" "),
              formatTime(k.createdAt),
              formatTime(k.expiresAt),
              formatTime(k.lastUsedAt),
              formatTime(k.revokedAt),
            ]),
          ),
        );
        printNextCursorHint(ctx, page.nextCursor);
      },
    },
    "revoke-api-key": {
      usage: "<key-id>",
      summary: "revoke an API key; it stops working at once",
      keyKind: "admin",
      positionals: [1, 1],
      async run(ctx) {
        const response = await ctx.clients.admin.revokeApiKey({ keyId: positional(ctx, 0) });
        printMessage(ctx, RevokeApiKeyResponseSchema, response, () =>
          ctx.io.stdout.write(`revoked ${positional(ctx, 0)}\n`),
        );
      },
    },
  },
};
