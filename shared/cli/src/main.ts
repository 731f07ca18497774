#!/usr/bin/env tsx
// Entry point: the only file of the CLI that touches process state (argv, env, stdio, signals).
import { runCli } from "./run-cli.js";

// A reader that stops early (`warden jobs list | head`) closes the pipe: end quietly, as Unix tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const interrupt = new AbortController();
process.once("SIGINT", () => interrupt.abort());

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: interrupt.signal,
});
