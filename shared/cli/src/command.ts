import type { ParseArgsConfig } from "node:util";
import type { CliIo } from "./cli-io.js";
import { UsageError } from "./cli-io.js";
import type { RpcClients } from "./rpc-clients.js";

export type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command gets when it runs. */
export interface CommandContext {
  io: CliIo;
  values: OptionValues;
  positionals: string[];
  /** --json: machine output (protobuf JSON) instead of tables. */
  json: boolean;
  clients: RpcClients;
  /** The gateway's base URL (the dashboard lives there too). */
  gatewayUrl: string;
}

/** One runnable command, e.g. `jobs get`. */
export interface Command {
  /** Arguments after the command name, for help, e.g. "<job-id> [--failed]". */
  usage: string;
  summary: string;
  options?: OptionsConfig;
  /** How many positionals it takes (min, max). Default (0, 0). */
  positionals?: [number, number];
  /** Which key a command prefers when --key is absent. */
  keyKind?: "admin" | "api";
  run(ctx: CommandContext): Promise<number | void>;
}

/** A top-level word: either a set of subcommands or one command (like `revoke`). */
export interface CommandGroup {
  name: string;
  summary: string;
  commands?: Record<string, Command>;
  command?: Command;
}

/** The option as a string, or undefined; never a boolean. */
export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.values[name];
  return typeof value === "string" ? value : undefined;
}

/** The option as a string; a UsageError naming it when absent or empty. */
export function requiredOption(ctx: CommandContext, name: string): string {
  const value = stringOption(ctx, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

/** The option as a non-negative integer, or `fallback`; a UsageError when not a number. */
export function integerOption(ctx: CommandContext, name: string, fallback: number): number {
  const value = stringOption(ctx, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return parsed;
}

/** True when the boolean flag was given. */
export function flag(ctx: CommandContext, name: string): boolean {
  return ctx.values[name] === true;
}

/** Splits comma-separated and repeated values into one list. */
export function listOption(ctx: CommandContext, name: string): string[] {
  const raw = ctx.values[name];
  const parts = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return parts
    .filter((p): p is string => typeof p === "string")
    .flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Options shared by every list command. */
export const pagingOptions: OptionsConfig = {
  "page-size": { type: "string" },
  cursor: { type: "string" },
  all: { type: "boolean" },
};

/** The n-th positional argument (the dispatcher has already checked the count). */
export function positional(ctx: CommandContext, index: number): string {
  return ctx.positionals[index] ?? "";
}
