import {
  ClientAuth,
  CreateAuthConfigResponseSchema,
  DeleteAuthConfigResponseSchema,
  GetAuthConfigResponseSchema,
  ListAuthConfigsResponseSchema,
  ResponseStyle,
  RevokeMethod,
  type AuthConfig,
} from "@warden/proto/accounts/v1";
import { create } from "@bufbuild/protobuf";
import {
  flag,
  listOption,
  pagingOptions,
  positional,
  requiredOption,
  stringOption,
  type CommandGroup,
  type OptionValues,
} from "../command.js";
import { UsageError } from "../cli-io.js";
import { enumLabel, formatTime, parseEnum } from "../format.js";
import { fetchPages, printNextCursorHint } from "../paging.js";
import { printMessage } from "../print-message.js";
import { printFields, printTable } from "../table.js";

// Never shows a client secret: AuthConfig messages do not carry one.
function authConfigFields(config: AuthConfig | undefined): [string, string][] {
  return [
    ["auth config", config?.id ?? ""],
    ["project", config?.projectId ?? ""],
    ["name", config?.name ?? ""],
    ["provider", config?.provider ?? ""],
    ["authorize url", config?.authorizeUrl ?? ""],
    ["token url", config?.tokenUrl ?? ""],
    ["revoke url", config?.revokeUrl ?? ""],
    ["revoke method", enumLabel(RevokeMethod, config?.revokeMethod ?? 0)],
    ["client id", config?.clientId ?? ""],
    ["client auth", enumLabel(ClientAuth, config?.clientAuth ?? 0)],
    ["response style", enumLabel(ResponseStyle, config?.responseStyle ?? 0)],
    ["default scopes", config?.defaultScopes.join(" ") ?? ""],
    [
      "authorize params",
      Object.entries(config?.authorizeParams ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
    ],
    ["created", formatTime(config?.createdAt)],
  ];
}

/** Repeated `--param k=v` values as a map (not comma-split: values may hold commas); a UsageError naming a bad one. */
function parseParams(raw: OptionValues[string]): Record<string, string> {
  const params: Record<string, string> = {};
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
    (value): value is string => typeof value === "string",
  );
  for (const value of values) {
    const at = value.indexOf("=");
    if (at <= 0) throw new UsageError(`--param must be key=value, got "${value}"`);
    params[value.slice(0, at)] = value.slice(at + 1);
  }
  return params;
}

/** `warden auth-configs …` (also `warden accounts auth-configs …`): provider OAuth clients. */
export const authConfigCommands: CommandGroup = {
  name: "auth-configs",
  summary: "provider OAuth clients (auth configs)",
  commands: {
    create: {
      usage:
        "[--provider <catalog-id>] --name <name> --token-url <url> [--revoke-url <url>] [--revoke-method <m>] [--authorize-url <url>] [--param k=v …] --client-id <id> [--client-secret <s> | env WARDEN_CLIENT_SECRET] [--client-auth basic|post|none] [--response-style rfc6749|slack|error-in-200] [--scopes a,b] [--project <prj>]  (with --provider, everything but the client id and secret is optional)",
      summary: "register a provider OAuth client (from the catalog with --provider)",
      options: {
        provider: { type: "string" },
        name: { type: "string" },
        "token-url": { type: "string" },
        "revoke-url": { type: "string" },
        "revoke-method": { type: "string" },
        "authorize-url": { type: "string" },
        param: { type: "string", multiple: true },
        "client-id": { type: "string" },
        "client-secret": { type: "string" },
        "client-auth": { type: "string" },
        "response-style": { type: "string" },
        scopes: { type: "string", multiple: true },
        project: { type: "string" },
      },
      async run(ctx) {
        const provider = stringOption(ctx, "provider") ?? "";
        const clientAuthText = stringOption(ctx, "client-auth");
        // With a provider, what is left out is the catalog's to fill (UNSPECIFIED), not a default of ours.
        const clientAuth = clientAuthText
          ? parseEnum("--client-auth", ClientAuth, clientAuthText)
          : provider
            ? ClientAuth.UNSPECIFIED
            : ClientAuth.BASIC;
        // The env variable keeps the secret out of shell history and `ps`.
        const clientSecret = stringOption(ctx, "client-secret") ?? ctx.io.env.WARDEN_CLIENT_SECRET ?? "";
        if (!clientSecret && clientAuth !== ClientAuth.NONE) {
          throw new UsageError("--client-secret (or WARDEN_CLIENT_SECRET) is required");
        }
        const responseStyle = stringOption(ctx, "response-style");
        const revokeMethod = stringOption(ctx, "revoke-method");
        const response = await ctx.clients.accounts.createAuthConfig({
          projectId: stringOption(ctx, "project") ?? "",
          provider,
          name: provider ? (stringOption(ctx, "name") ?? "") : requiredOption(ctx, "name"),
          tokenUrl: provider ? (stringOption(ctx, "token-url") ?? "") : requiredOption(ctx, "token-url"),
          revokeUrl: stringOption(ctx, "revoke-url") ?? "",
          authorizeUrl: stringOption(ctx, "authorize-url") ?? "",
          revokeMethod: revokeMethod
            ? parseEnum("--revoke-method", RevokeMethod, revokeMethod)
            : RevokeMethod.UNSPECIFIED,
          authorizeParams: parseParams(ctx.values.param),
          clientId: requiredOption(ctx, "client-id"),
          clientSecret,
          clientAuth,
          responseStyle: responseStyle
            ? parseEnum("--response-style", ResponseStyle, responseStyle)
            : provider
              ? ResponseStyle.UNSPECIFIED
              : ResponseStyle.RFC6749,
          defaultScopes: listOption(ctx, "scopes"),
        });
        printMessage(ctx, CreateAuthConfigResponseSchema, response, () =>
          printFields(ctx.io.stdout, authConfigFields(response.authConfig)),
        );
      },
    },
    get: {
      usage: "<auth-config-id>",
      summary: "show one auth config",
      positionals: [1, 1],
      async run(ctx) {
        const response = await ctx.clients.accounts.getAuthConfig({ authConfigId: positional(ctx, 0) });
        printMessage(ctx, GetAuthConfigResponseSchema, response, () =>
          printFields(ctx.io.stdout, authConfigFields(response.authConfig)),
        );
      },
    },
    list: {
      usage: "[--project <prj>] [--page-size N] [--cursor C] [--all]",
      summary: "list auth configs",
      options: { project: { type: "string" }, ...pagingOptions },
      async run(ctx) {
        const projectId = stringOption(ctx, "project") ?? "";
        const page = await fetchPages(ctx, async ({ pageSize, cursor }) => {
          const r = await ctx.clients.accounts.listAuthConfigs({ projectId, pageSize, cursor });
          return { items: r.authConfigs, nextCursor: r.nextCursor };
        });
        const response = create(ListAuthConfigsResponseSchema, {
          authConfigs: page.items,
          nextCursor: page.nextCursor,
        });
        printMessage(ctx, ListAuthConfigsResponseSchema, response, () =>
          printTable(
            ctx.io.stdout,
            ["id", "name", "project", "client id", "revoke url", "created"],
            page.items.map((c) => [
              c.id,
              c.name,
              c.projectId,
              c.clientId,
              c.revokeUrl,
              formatTime(c.createdAt),
            ]),
          ),
        );
        printNextCursorHint(ctx, page.nextCursor);
      },
    },
    delete: {
      usage: "<auth-config-id> [--revoke]",
      summary: "delete an auth config; --revoke first starts (or joins) a revoke job for its accounts",
      positionals: [1, 1],
      options: { revoke: { type: "boolean" } },
      async run(ctx) {
        const response = await ctx.clients.accounts.deleteAuthConfig({
          authConfigId: positional(ctx, 0),
          revokeOnDelete: flag(ctx, "revoke"),
        });
        printMessage(ctx, DeleteAuthConfigResponseSchema, response, () =>
          printFields(ctx.io.stdout, [
            ["auth config", response.authConfig?.id ?? ""],
            ["deleted", formatTime(response.authConfig?.deletedAt)],
            ["revoke job", response.jobId],
          ]),
        );
      },
    },
  },
};
