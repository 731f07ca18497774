import { parseArgs } from "node:util";
import { EXIT, UsageError, type CliIo } from "./cli-io.js";
import type { Command, CommandGroup, OptionsConfig, OptionValues } from "./command.js";
import { accountCommands } from "./commands/accounts.js";
import { adminCommands } from "./commands/admin.js";
import { auditCommands } from "./commands/audit.js";
import { authConfigCommands } from "./commands/auth-configs.js";
import { connectCommand } from "./commands/connect.js";
import { jobCommands } from "./commands/jobs.js";
import { leaseCommands } from "./commands/leases.js";
import { providerCommands } from "./commands/providers.js";
import { revokeCommand } from "./commands/revoke.js";
import { tokenCommands } from "./commands/token.js";
import { printError } from "./print-error.js";
import { createRpcClients, DEFAULT_GATEWAY_URL, DEFAULT_TOKENS_URL } from "./rpc-clients.js";

const GROUPS: CommandGroup[] = [
  adminCommands,
  providerCommands,
  authConfigCommands,
  accountCommands,
  connectCommand,
  revokeCommand,
  jobCommands,
  tokenCommands,
  leaseCommands,
  auditCommands,
];

const GLOBAL_OPTIONS: OptionsConfig = {
  gateway: { type: "string" },
  tokens: { type: "string" },
  key: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const GLOBAL_HELP = `global options:
  --gateway <url>   jobs-gateway URL (env WARDEN_GATEWAY_URL, default ${DEFAULT_GATEWAY_URL})
  --tokens <url>    token-refresh URL (env WARDEN_TOKENS_URL, default ${DEFAULT_TOKENS_URL})
  --key <key>       bearer key (env WARDEN_API_KEY; admin commands prefer WARDEN_ADMIN_KEY)
  --json            protobuf JSON on stdout instead of tables
  -h, --help        help for any command
exit codes: 0 ok, 1 RPC error (gRPC code and message on stderr), 2 bad usage, 3 watched job ended with failures, 130 interrupted`;

function mainHelp(): string {
  const width = Math.max(...GROUPS.map((g) => g.name.length));
  const lines = GROUPS.map((g) => `  ${g.name.padEnd(width)}  ${g.summary}`);
  return `usage: warden <command> [subcommand] [options]\n\ncommands:\n${lines.join("\n")}\n\n${GLOBAL_HELP}\n`;
}

function groupHelp(group: CommandGroup): string {
  const entries = Object.entries(group.commands ?? {});
  const lines = entries.map(([name, c]) => `  warden ${group.name} ${name} ${c.usage}\n      ${c.summary}`);
  return `${group.summary}\n\n${lines.join("\n")}\n\n${GLOBAL_HELP}\n`;
}

function commandHelp(path: string, command: Command): string {
  return `usage: warden ${path} ${command.usage}\n\n${command.summary}\n\n${GLOBAL_HELP}\n`;
}

// Global options may come before the command word too (`warden --json jobs list`).
function splitLeadingGlobals(argv: string[]): { leading: string[]; rest: string[] } {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith("-")) {
    const [name] = argv[i]!.replace(/^--?/, "").split("=");
    const option = Object.entries(GLOBAL_OPTIONS).find(([long, o]) => long === name || o.short === name)?.[1];
    if (!option) throw new UsageError(`unknown option ${argv[i]} (options go after the command)`);
    i += option.type === "string" && !argv[i]!.includes("=") ? 2 : 1;
  }
  return { leading: argv.slice(0, i), rest: argv.slice(i) };
}

function parseOptions(
  args: string[],
  options: OptionsConfig,
): { values: OptionValues; positionals: string[] } {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function resolveCommand(words: string[]): {
  path: string;
  group?: CommandGroup;
  command?: Command;
  rest: string[];
} {
  const [first, ...rest] = words;
  let word = first;
  let group = GROUPS.find((g) => g.name === word);
  // `warden accounts auth-configs …` reads naturally too.
  if (group === accountCommands && rest[0] === authConfigCommands.name) {
    group = authConfigCommands;
    word = `accounts ${rest.shift()}`;
  }
  if (!group) throw new UsageError(`unknown command "${word}" (try warden --help)`);
  if (group.command) return { path: group.name, group, command: group.command, rest };
  const sub = rest[0];
  if (sub === undefined || sub.startsWith("-")) return { path: word!, group, rest };
  const command = group.commands?.[sub];
  if (!command) throw new UsageError(`unknown subcommand "${word} ${sub}" (try warden ${word} --help)`);
  return { path: `${word} ${sub}`, group, command, rest: rest.slice(1) };
}

/**
 * Runs one CLI invocation against the services and returns its exit code;
 * every failure ends as `error: …` on stderr, never as a stack trace.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    // `pnpm … start -- <args>` and `npm run … -- <args>` hand the separator on to the script.
    const args = argv[0] === "--" ? argv.slice(1) : argv;
    const { leading, rest: words } = splitLeadingGlobals(args);
    const leadingValues = parseOptions(leading, GLOBAL_OPTIONS).values;
    if (words.length === 0 || words[0] === "help") {
      io.stdout.write(mainHelp());
      return words.length === 0 && !leadingValues.help ? EXIT.usage : EXIT.ok;
    }
    const { path, group, command, rest } = resolveCommand(words);
    if (!command) {
      io.stdout.write(groupHelp(group!));
      return rest.some((a) => a === "--help" || a === "-h") ? EXIT.ok : EXIT.usage;
    }
    const parsed = parseOptions(rest, { ...GLOBAL_OPTIONS, ...command.options });
    const values = { ...leadingValues, ...parsed.values };
    if (values.help) {
      io.stdout.write(commandHelp(path, command));
      return EXIT.ok;
    }
    const [min, max] = command.positionals ?? [0, 0];
    if (parsed.positionals.length < min || parsed.positionals.length > max)
      throw new UsageError(`usage: warden ${path} ${command.usage}`);

    const env = io.env;
    const key =
      (typeof values.key === "string" ? values.key : undefined) ??
      (command.keyKind === "admin"
        ? (env.WARDEN_ADMIN_KEY ?? env.WARDEN_API_KEY)
        : (env.WARDEN_API_KEY ?? env.WARDEN_ADMIN_KEY));
    if (!key)
      throw new UsageError(
        `no key: pass --key or set ${command.keyKind === "admin" ? "WARDEN_ADMIN_KEY" : "WARDEN_API_KEY"}`,
      );
    const gatewayUrl =
      (values.gateway as string | undefined) ?? env.WARDEN_GATEWAY_URL ?? DEFAULT_GATEWAY_URL;
    const clients = createRpcClients({
      gatewayUrl,
      tokensUrl: (values.tokens as string | undefined) ?? env.WARDEN_TOKENS_URL ?? DEFAULT_TOKENS_URL,
      key,
    });
    const code = await command.run({
      io,
      values,
      positionals: parsed.positionals,
      json: values.json === true,
      clients,
      gatewayUrl,
    });
    return code ?? EXIT.ok;
  } catch (error) {
    return printError(error, io.stderr);
  }
}
