import { GetAccessTokenResponseSchema, RefreshAccessTokenResponseSchema } from "@warden/proto/tokens/v1";
import { flag, integerOption, positional, type CommandGroup } from "../command.js";
import { formatTime } from "../format.js";
import { printMessage } from "../print-message.js";
import { printFields } from "../table.js";

/** `warden token get <account>`: an access token from token-refresh (key with tokens:read, or a lease token). */
export const tokenCommands: CommandGroup = {
  name: "token",
  summary: "access tokens from the token-refresh service (--tokens URL)",
  commands: {
    get: {
      usage: "<account-id> [--min-valid <seconds>] [--refresh] [--raw]",
      summary:
        "print an access token valid for at least --min-valid seconds (refreshing if needed); --refresh forces one; --raw prints the token alone",
      positionals: [1, 1],
      options: { "min-valid": { type: "string" }, refresh: { type: "boolean" }, raw: { type: "boolean" } },
      async run(ctx) {
        const accountId = positional(ctx, 0);
        const response = flag(ctx, "refresh")
          ? await ctx.clients.tokens.refreshAccessToken({ accountId })
          : await ctx.clients.tokens.getAccessToken({
              accountId,
              minValidSeconds: integerOption(ctx, "min-valid", 60),
            });
        // Showing the access token is this command's purpose (never a refresh token: the RPC has none).
        if (flag(ctx, "raw")) {
          ctx.io.stdout.write(`${response.accessToken}\n`);
          return;
        }
        const schema = flag(ctx, "refresh") ? RefreshAccessTokenResponseSchema : GetAccessTokenResponseSchema;
        printMessage(ctx, schema, response, () =>
          printFields(ctx.io.stdout, [
            ["access token", response.accessToken],
            ["token type", response.tokenType],
            ["expires", formatTime(response.expiresAt)],
            ["refreshed", String(response.refreshed)],
          ]),
        );
      },
    },
  },
};
