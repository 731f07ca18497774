import { setTimeout as sleep } from "node:timers/promises";
import { ConnectSessionStatus, GetConnectSessionResponseSchema } from "@warden/proto/connect/v1";
import { flag, listOption, positional, stringOption, type CommandGroup } from "../command.js";
import { printMessage } from "../print-message.js";
import { printFields } from "../table.js";

// A session's outcome only changes when the user finishes in their browser; a
// status read each second is cheap and keeps the command free of any push channel.
const POLL_MS = 1000;
/** Exit code when the session ended FAILED (or expired), as `revoke --watch` uses 3 for failures. */
const EXIT_FAILED = 3;
/** Exit code after Ctrl-C, as a shell reports SIGINT. */
const EXIT_INTERRUPTED = 130;

/** `warden connect <auth-config> <external-user>`: starts an OAuth connect flow and waits for its outcome. */
export const connectCommand: CommandGroup = {
  name: "connect",
  summary: "connect (or reconnect) a user's account through the provider's OAuth consent page",
  command: {
    usage: "<auth-config-id> <external-user-id> [--scope s ...] [--return-url URL] [--no-wait]",
    summary:
      "print the authorize URL to open in a browser, then wait for the session's outcome: exits 0 once connected, 3 if it failed or expired. --return-url is where the browser lands afterwards (default: the gateway's dashboard)",
    positionals: [2, 2],
    options: {
      scope: { type: "string", multiple: true },
      "return-url": { type: "string" },
      "no-wait": { type: "boolean" },
    },
    async run(ctx) {
      const returnUrl = stringOption(ctx, "return-url") ?? `${ctx.gatewayUrl}/#connected`;
      const session = await ctx.clients.connect.createConnectSession({
        authConfigId: positional(ctx, 0),
        externalUserId: positional(ctx, 1),
        scopes: listOption(ctx, "scope"),
        returnUrl,
      });
      ctx.io.stderr.write("open this URL in a browser to connect the account:\n");
      ctx.io.stdout.write(`${session.authorizeUrl}\n`);
      if (flag(ctx, "no-wait")) {
        ctx.io.stderr.write(`session ${session.sessionId}; check it with --json or GetConnectSession\n`);
        return;
      }
      ctx.io.stderr.write(
        `waiting for session ${session.sessionId} (expires in 10 minutes; Ctrl-C stops waiting)\n`,
      );
      for (;;) {
        const outcome = await ctx.clients.connect.getConnectSession({ sessionId: session.sessionId });
        if (outcome.status !== ConnectSessionStatus.PENDING) {
          const connected = outcome.status === ConnectSessionStatus.CONNECTED;
          printMessage(ctx, GetConnectSessionResponseSchema, outcome, () =>
            printFields(ctx.io.stdout, [
              ["session", outcome.sessionId],
              ["status", connected ? "connected" : "failed"],
              ...(connected
                ? ([
                    ["account", outcome.accountId],
                    ["reconnected", String(outcome.reconnected)],
                  ] as [string, string][])
                : ([["error", outcome.errorCode]] as [string, string][])),
            ]),
          );
          return connected ? 0 : EXIT_FAILED;
        }
        await sleep(POLL_MS, undefined, { signal: ctx.io.signal }).catch(() => undefined);
        if (ctx.io.signal?.aborted) {
          ctx.io.stderr.write(`stopped waiting; session ${session.sessionId} is still open\n`);
          return EXIT_INTERRUPTED;
        }
      }
    },
  },
};
