import { create } from "@bufbuild/protobuf";
import {
  ClientAuth,
  ListProvidersResponseSchema,
  ProviderSchema,
  ResponseStyle,
  RevokeMethod,
} from "@warden/proto/accounts/v1";
import { UsageError } from "../cli-io.js";
import { positional, type CommandGroup } from "../command.js";
import { enumLabel } from "../format.js";
import { printMessage } from "../print-message.js";
import { printFields, printTable } from "../table.js";

/** `warden providers …`: the gateway's built-in provider catalog. */
export const providerCommands: CommandGroup = {
  name: "providers",
  summary: "the built-in provider catalog (for auth-configs create --provider)",
  commands: {
    list: {
      usage: "",
      summary: "list the catalog: how each provider refreshes and revokes",
      async run(ctx) {
        const response = await ctx.clients.accounts.listProviders({});
        printMessage(ctx, ListProvidersResponseSchema, response, () =>
          printTable(
            ctx.io.stdout,
            ["id", "name", "revoke", "client auth", "response style", "rotates", "token url"],
            response.providers.map((p) => [
              p.id,
              p.name,
              enumLabel(RevokeMethod, p.revokeMethod).toLowerCase(),
              enumLabel(ClientAuth, p.clientAuth).toLowerCase(),
              enumLabel(ResponseStyle, p.responseStyle).toLowerCase(),
              p.rotatesRefreshTokens ? "yes" : "no",
              p.tokenUrl,
            ]),
          ),
        );
      },
    },
    get: {
      usage: "<provider-id>",
      summary: "show one provider with the documentation URL of each fact",
      positionals: [1, 1],
      async run(ctx) {
        const id = positional(ctx, 0);
        const { providers } = await ctx.clients.accounts.listProviders({});
        const provider = providers.find((p) => p.id === id);
        if (!provider) throw new UsageError(`no provider "${id}"; see warden providers list`);
        printMessage(ctx, ProviderSchema, create(ProviderSchema, provider), () =>
          printFields(ctx.io.stdout, [
            ["provider", provider.id],
            ["name", provider.name],
            ["authorize url", provider.authorizeUrl],
            ["token url", provider.tokenUrl],
            ["revoke url", provider.revokeUrl],
            ["revoke method", enumLabel(RevokeMethod, provider.revokeMethod).toLowerCase()],
            ["client auth", enumLabel(ClientAuth, provider.clientAuth).toLowerCase()],
            ["response style", enumLabel(ResponseStyle, provider.responseStyle).toLowerCase()],
            ["default scopes", provider.defaultScopes.join(" ")],
            [
              "authorize params",
              Object.entries(provider.authorizeParams)
                .map(([k, v]) => `${k}=${v}`)
                .join(" "),
            ],
            ["rotates refresh", provider.rotatesRefreshTokens ? "yes" : "no"],
            ["omits expires_in", provider.omitsExpiresIn ? "yes" : "no"],
            ["account errors", provider.accountTerminalErrors.join(" ")],
            ["app errors", provider.appTerminalErrors.join(" ")],
            ...provider.sources.map((s): [string, string] => [`source ${s.topic}`, s.url]),
            ["notes", provider.notes],
          ]),
        );
      },
    },
  },
};
