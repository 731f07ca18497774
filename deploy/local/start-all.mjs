#!/usr/bin/env node
// `pnpm start`: runs Warden's four services in the foreground, one child process each, with every
// output line prefixed by the service's name. SIGINT/SIGTERM go to every child and we exit once all
// have exited; if one exits on its own, the others are stopped and we exit non-zero.
// Children run in their own process groups, so a terminal's Ctrl-C reaches them once, through us,
// as the SIGTERM their graceful shutdown listens for.
//
// Probe ports: 9470, 9471, 9472, 9473 in the order below; WARDEN_PROBE_PORT moves the first (the
// rest follow), WARDEN_PROBE_PORT_<SERVICE> (e.g. WARDEN_PROBE_PORT_JOBS_GATEWAY) sets one.
// Which services: `--services=a,b` or WARDEN_SERVICES, each entry a service name (the built
// services/<name>/dist/main.js, from `pnpm build`) or name=path/to/main.js (a .ts path runs through tsx).
// Built files run as in production: `node --enable-source-maps dist/main.js`.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DEFAULT_SERVICES = ["jobs-gateway", "revoke-executor", "token-refresh", "sweeper"];
const DEFAULT_FIRST_PROBE_PORT = 9470;
// After a forwarded signal, services get this long to drain before they are killed.
const SHUTDOWN_GRACE_MS = 30_000;

function fail(message) {
  process.stderr.write(`start-all: ${message}\n`);
  process.exit(2);
}

function serviceList() {
  const flag = process.argv.slice(2).find((arg) => arg.startsWith("--services="));
  const raw = flag?.slice("--services=".length) ?? process.env.WARDEN_SERVICES ?? DEFAULT_SERVICES.join(",");
  const entries = raw
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) fail("no services to start");
  const firstPort = Number(process.env.WARDEN_PROBE_PORT ?? DEFAULT_FIRST_PROBE_PORT);
  if (!Number.isInteger(firstPort) || firstPort <= 0)
    fail(`WARDEN_PROBE_PORT is not a port: ${process.env.WARDEN_PROBE_PORT}`);
  return entries.map((entry, index) => {
    const [name, path] = entry.includes("=")
      ? entry.split(/=(.*)/s)
      : [entry, `services/${entry}/dist/main.js`];
    const entryPath = resolve(ROOT, path);
    if (!existsSync(entryPath))
      fail(`${name}: ${entryPath} does not exist${path.endsWith(".js") ? " (run `pnpm build` first)" : ""}`);
    const override = process.env[`WARDEN_PROBE_PORT_${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`];
    return { name, entryPath, probePort: override ?? String(firstPort + index) };
  });
}

const services = serviceList();
const width = Math.max(...services.map((service) => service.name.length));
const children = new Map();
let stopping = false;
let failed = false;

function prefixLines(stream, name, out) {
  const prefix = `${name.padEnd(width)} | `;
  let partial = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) out.write(prefix + line + "\n");
  });
  stream.on("end", () => {
    if (partial !== "") out.write(prefix + partial + "\n");
  });
}

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill(signal);
  setTimeout(() => {
    for (const [name, child] of children) {
      process.stderr.write(
        `start-all: ${name} did not stop within ${SHUTDOWN_GRACE_MS / 1000}s; killing it\n`,
      );
      child.kill("SIGKILL");
    }
  }, SHUTDOWN_GRACE_MS).unref();
}

for (const { name, entryPath, probePort } of services) {
  const loader = entryPath.endsWith(".ts") ? ["--import", "tsx"] : ["--enable-source-maps"];
  const child = spawn(process.execPath, [...loader, entryPath], {
    cwd: ROOT,
    env: { ...process.env, WARDEN_PROBE_PORT: probePort },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.set(name, child);
  prefixLines(child.stdout, name, process.stdout);
  prefixLines(child.stderr, name, process.stderr);
  child.on("error", (error) => process.stderr.write(`start-all: ${name}: ${error.message}\n`));
  child.on("close", (code, signal) => {
    children.delete(name);
    if (!stopping) {
      // A service never exits on its own while the stack runs: take the rest down and say so.
      process.stderr.write(
        `start-all: ${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the others\n`,
      );
      failed = true;
      stopAll("SIGTERM");
    } else if (code !== 0 && signal === null) {
      process.stderr.write(`start-all: ${name} exited with code ${code} while stopping\n`);
      failed = true;
    }
    if (children.size === 0) process.exit(failed ? 1 : 0);
  });
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    // A second Ctrl-C means "now".
    if (stopping && signal === "SIGINT") {
      for (const child of children.values()) child.kill("SIGKILL");
      return;
    }
    stopAll("SIGTERM");
  });
}
// If we die of an error, do not leave services running detached.
process.on("exit", () => {
  for (const child of children.values()) child.kill("SIGKILL");
});
