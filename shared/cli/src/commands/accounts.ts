import { access } from "node:fs/promises";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AccountStatus,
  CreateConnectedAccountResponseSchema,
  DeleteConnectedAccountResponseSchema,
  GetConnectedAccountResponseSchema,
  ImportConnectedAccountsResponseSchema,
  ListConnectedAccountsResponseSchema,
  ReconnectAccountResponseSchema,
  type ConnectedAccount,
  type ImportConnectedAccountsRequest,
} from "@warden/proto/accounts/v1";
import {
  flag,
  pagingOptions,
  positional,
  requiredOption,
  stringOption,
  type CommandContext,
  type CommandGroup,
  type OptionsConfig,
} from "../command.js";
import { UsageError } from "../cli-io.js";
import { enumLabel, formatCount, formatTime, parseEnum, parseTime } from "../format.js";
import { readImportRecords } from "../jsonl-import.js";
import { fetchPages, printNextCursorHint } from "../paging.js";
import { printMessage } from "../print-message.js";
import { printFields, printTable } from "../table.js";

// Tokens are inputs only: no account message carries one, so nothing here can print it.
const tokenOptions: OptionsConfig = {
  "access-token": { type: "string" },
  "refresh-token": { type: "string" },
  "expires-at": { type: "string" },
};

function tokenFields(ctx: CommandContext) {
  const expiresAt = stringOption(ctx, "expires-at");
  return {
    accessToken: requiredOption(ctx, "access-token"),
    refreshToken: stringOption(ctx, "refresh-token") ?? "",
    expiresAt: expiresAt ? timestampFromDate(parseTime("expires-at", expiresAt, ctx.io.now?.())) : undefined,
  };
}

function accountFields(account: ConnectedAccount | undefined): [string, string][] {
  return [
    ["account", account?.id ?? ""],
    ["project", account?.projectId ?? ""],
    ["auth config", account?.authConfigId ?? ""],
    ["external user", account?.externalUserId ?? ""],
    ["status", enumLabel(AccountStatus, account?.status ?? 0)],
    ["status reason", account?.statusReason ?? ""],
    ["token expires", formatTime(account?.expiresAt)],
    ["last refreshed", formatTime(account?.lastRefreshedAt)],
    ["created", formatTime(account?.createdAt)],
  ];
}

function printAccount(ctx: CommandContext, account: ConnectedAccount | undefined): void {
  printFields(ctx.io.stdout, accountFields(account));
}

/** `warden accounts …`: connected accounts (and `accounts auth-configs …`, dispatched elsewhere). */
export const accountCommands: CommandGroup = {
  name: "accounts",
  summary: "connected accounts (and `accounts auth-configs …`)",
  commands: {
    create: {
      usage:
        "--auth-config <ac> --external-user-id <id> --access-token <t> [--refresh-token <t>] [--expires-at <iso|+seconds>]",
      summary: "store one user's tokens",
      options: { "auth-config": { type: "string" }, "external-user-id": { type: "string" }, ...tokenOptions },
      async run(ctx) {
        const response = await ctx.clients.accounts.createConnectedAccount({
          authConfigId: requiredOption(ctx, "auth-config"),
          externalUserId: requiredOption(ctx, "external-user-id"),
          ...tokenFields(ctx),
        });
        printMessage(ctx, CreateConnectedAccountResponseSchema, response, () =>
          printAccount(ctx, response.account),
        );
      },
    },
    import: {
      usage: "<file.jsonl | -> [--auth-config <ac>]",
      summary:
        "bulk-import accounts, one JSON object a line: {auth_config_id?, external_user_id, access_token, refresh_token, expires_at}; all or nothing",
      positionals: [1, 1],
      options: { "auth-config": { type: "string" } },
      async run(ctx) {
        const path = positional(ctx, 0);
        if (path !== "-")
          await access(path).catch(() => Promise.reject(new UsageError(`cannot read ${path}`)));
        const input = path === "-" ? ctx.io.stdin : path;
        if (!input) throw new UsageError("no standard input to read");
        // A bad line aborts the stream, so the server writes nothing; report the
        // line's own error rather than the aborted call's.
        let lineError: unknown;
        let sent = 0;
        async function* records(): AsyncGenerator<ImportConnectedAccountsRequest> {
          try {
            for await (const record of readImportRecords({
              input: input!,
              defaultAuthConfigId: stringOption(ctx, "auth-config"),
            })) {
              sent++;
              yield record;
            }
          } catch (error) {
            lineError = error;
            throw error;
          }
        }
        let response;
        try {
          response = await ctx.clients.accounts.importConnectedAccounts(records());
        } catch (error) {
          throw lineError ?? error;
        }
        printMessage(ctx, ImportConnectedAccountsResponseSchema, response, () =>
          ctx.io.stdout.write(
            `imported ${formatCount(sent)} records: ${formatCount(response.created)} created, ${formatCount(response.updated)} updated\n`,
          ),
        );
      },
    },
    get: {
      usage: "<account-id>",
      summary: "show one connected account",
      positionals: [1, 1],
      async run(ctx) {
        const response = await ctx.clients.accounts.getConnectedAccount({ accountId: positional(ctx, 0) });
        printMessage(ctx, GetConnectedAccountResponseSchema, response, () =>
          printAccount(ctx, response.account),
        );
      },
    },
    list: {
      usage:
        "[--auth-config <ac>] [--status active|needs-reconnect|revoked|deleted] [--project <prj>] [--page-size N] [--cursor C] [--all]",
      summary: "list connected accounts",
      options: {
        "auth-config": { type: "string" },
        status: { type: "string" },
        project: { type: "string" },
        ...pagingOptions,
      },
      async run(ctx) {
        const status = stringOption(ctx, "status");
        const filter = {
          authConfigId: stringOption(ctx, "auth-config") ?? "",
          projectId: stringOption(ctx, "project") ?? "",
          status: status ? parseEnum("--status", AccountStatus, status) : AccountStatus.UNSPECIFIED,
        };
        const page = await fetchPages(ctx, async ({ pageSize, cursor }) => {
          const r = await ctx.clients.accounts.listConnectedAccounts({ ...filter, pageSize, cursor });
          return { items: r.accounts, nextCursor: r.nextCursor };
        });
        const response = create(ListConnectedAccountsResponseSchema, {
          accounts: page.items,
          nextCursor: page.nextCursor,
        });
        printMessage(ctx, ListConnectedAccountsResponseSchema, response, () =>
          printTable(
            ctx.io.stdout,
            ["id", "auth config", "external user", "status", "reason", "token expires"],
            page.items.map((a) => [
              a.id,
              a.authConfigId,
              a.externalUserId,
              enumLabel(AccountStatus, a.status),
              a.statusReason,
              formatTime(a.expiresAt),
            ]),
          ),
        );
        printNextCursorHint(ctx, page.nextCursor);
      },
    },
    reconnect: {
      usage: "<account-id> --access-token <t> [--refresh-token <t>] [--expires-at <iso|+seconds>]",
      summary: "store fresh tokens and set the account back to ACTIVE",
      positionals: [1, 1],
      options: tokenOptions,
      async run(ctx) {
        const response = await ctx.clients.accounts.reconnectAccount({
          accountId: positional(ctx, 0),
          ...tokenFields(ctx),
        });
        printMessage(ctx, ReconnectAccountResponseSchema, response, () =>
          printAccount(ctx, response.account),
        );
      },
    },
    delete: {
      usage: "<account-id> [--revoke]",
      summary: "delete a connected account; --revoke first revokes its tokens at the provider (a revoke job)",
      positionals: [1, 1],
      options: { revoke: { type: "boolean" } },
      async run(ctx) {
        const response = await ctx.clients.accounts.deleteConnectedAccount({
          accountId: positional(ctx, 0),
          revokeOnDelete: flag(ctx, "revoke"),
        });
        printMessage(ctx, DeleteConnectedAccountResponseSchema, response, () =>
          printFields(ctx.io.stdout, [
            ...accountFields(response.account).slice(0, 5),
            ["revoke job", response.jobId],
          ]),
        );
      },
    },
  },
};
