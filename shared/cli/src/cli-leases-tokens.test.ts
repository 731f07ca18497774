import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Keyring } from "@warden/crypto";
import { CursorCodec } from "@warden/db";
import { freePort, startServiceProcess, type ServiceProcess } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../../services/jobs-gateway/src/test-gateway.js";
import { runWarden, type CliResult } from "./test-cli.js";

const ACCESS_TOKEN = "at-lease-SECRET-31f0";
const REFRESH_TOKEN = "rt-lease-SECRET-77aa";
const encryptionKey = randomBytes(32);

let gateway: TestGateway;
let tokenRefresh: ServiceProcess | undefined;
let tokensUrl = "";
let apiKey = "";
let accountId = "";
const outputs: CliResult[] = [];

async function warden(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = await runWarden(args, {
    WARDEN_GATEWAY_URL: gateway.url,
    WARDEN_TOKENS_URL: tokensUrl,
    WARDEN_API_KEY: apiKey,
    ...env,
  });
  outputs.push(result);
  return result;
}

beforeAll(async () => {
  // One keyring for the in-process gateway and the token-refresh process, so both read the same ciphertexts.
  const keyring = new Keyring([{ id: "cli", key: encryptionKey }]);
  gateway = await startTestGateway({
    label: "clileases",
    extend: () => ({ keyring, cursors: new CursorCodec(keyring.deriveKey("cursors")) }),
  });
  const admin = { WARDEN_ADMIN_KEY: gateway.adminKey, WARDEN_GATEWAY_URL: gateway.url };
  const orgId = JSON.parse((await runWarden(["admin", "create-org", "--name", "L", "--json"], admin)).stdout)
    .org.id;
  const projectId = JSON.parse(
    (await runWarden(["admin", "create-project", "--org", orgId, "--name", "p", "--json"], admin)).stdout,
  ).project.id;
  apiKey = JSON.parse(
    (
      await runWarden(
        ["admin", "create-api-key", "--org", orgId, "--project", projectId, "--scopes", "all", "--json"],
        admin,
      )
    ).stdout,
  ).apiKey;
  const config = await warden([
    "auth-configs",
    "create",
    "--name",
    "p",
    "--token-url",
    "http://127.0.0.1:9/token",
    "--client-id",
    "c",
    "--client-secret",
    "cs-SECRET",
  ]);
  const authConfigId = /auth config\s+(ac_\S+)/.exec(config.stdout)![1]!;
  const account = await warden([
    "accounts",
    "create",
    "--auth-config",
    authConfigId,
    "--external-user-id",
    "lessee",
    "--access-token",
    ACCESS_TOKEN,
    "--refresh-token",
    REFRESH_TOKEN,
    "--expires-at",
    "+7200",
    "--json",
  ]);
  accountId = JSON.parse(account.stdout).account.id;
});

afterAll(async () => {
  await tokenRefresh?.stop();
  await gateway?.close();
});

describe("warden leases", () => {
  it("checkout shows the lease token once; get, list, checkin and revoke never show it", async () => {
    const checkout = await runWarden(
      ["leases", "checkout", accountId, "--holder", "ci-bot", "--ttl", "45m", "--purpose", "nightly sync"],
      { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: apiKey },
    );
    expect(checkout.code, checkout.stderr).toBe(0);
    const leaseId = /lease\s+(ls_\S+)/.exec(checkout.stdout)![1]!;
    const leaseToken = /lease token\s+(\S+)/.exec(checkout.stdout)![1]!;
    expect(leaseToken.length).toBeGreaterThan(16);
    expect(checkout.stdout).toMatch(/status\s+ACTIVE/);

    const second = await warden(["leases", "checkout", accountId, "--holder", "ci-bot", "--ttl", "1h"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^error: ALREADY_EXISTS: /);
    expect(second.stderr).toContain(`active lease: ${leaseId} held by ci-bot`);

    expect((await warden(["leases", "get", leaseId])).stdout).toMatch(/purpose\s+nightly sync/);
    const list = await warden(["leases", "list", "--account", accountId, "--status", "active"]);
    expect(list.stdout).toMatch(new RegExp(`${leaseId}\\s+${accountId}\\s+ci-bot\\s+ACTIVE`));
    expect((await warden(["leases", "checkin", leaseId])).stdout).toMatch(/status\s+CHECKED_IN/);
    expect((await warden(["leases", "revoke", leaseId])).code).toBe(1);

    const other = await runWarden(
      ["leases", "checkout", accountId, "--holder", "human", "--ttl", "2h", "--json"],
      {
        WARDEN_GATEWAY_URL: gateway.url,
        WARDEN_API_KEY: apiKey,
      },
    );
    const otherId = JSON.parse(other.stdout).lease.id;
    expect((await warden(["leases", "revoke", otherId])).stdout).toMatch(/status\s+REVOKED/);
    expect((await warden(["leases", "checkout", accountId, "--holder", "x", "--ttl", "31d"])).stderr).toMatch(
      /^error: INVALID_ARGUMENT: /,
    );

    const shown = outputs.map((o) => o.stdout + o.stderr).join("\n");
    expect(shown).not.toContain(leaseToken);
    expect(shown).not.toContain(JSON.parse(other.stdout).leaseToken);
  });
});

describe("warden token get", () => {
  it("a token-refresh that is down is UNAVAILABLE, exit 1", async () => {
    const result = await warden(["token", "get", accountId], {
      WARDEN_TOKENS_URL: `http://127.0.0.1:${await freePort()}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: UNAVAILABLE: /);
  });

  it("prints the stored access token from the real token-refresh service, and --raw prints it alone", async () => {
    const port = await freePort();
    tokenRefresh = startServiceProcess({
      name: "token-refresh",
      entry: fileURLToPath(new URL("../../../services/token-refresh/src/main.ts", import.meta.url)),
      env: {
        WARDEN_NAMESPACE: gateway.namespace,
        WARDEN_ENCRYPTION_KEYS: `cli:${encryptionKey.toString("base64")}`,
        WARDEN_TOKENS_PORT: String(port),
        WARDEN_PROBE_PORT: String(await freePort()),
        LOG_LEVEL: "info",
      },
    });
    tokensUrl = `http://127.0.0.1:${port}`;
    await waitForHealth(tokensUrl);

    const shown = await warden(["token", "get", accountId, "--min-valid", "60"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`access token\\s+${ACCESS_TOKEN}`));
    expect(shown.stdout).toMatch(/refreshed\s+false/);
    expect(shown.stdout).not.toContain(REFRESH_TOKEN);
    const raw = await warden(["token", "get", accountId, "--raw"]);
    expect(raw.stdout).toBe(`${ACCESS_TOKEN}\n`);
    expect(tokenRefresh.logs().join("\n")).not.toContain(ACCESS_TOKEN);
  });
});

describe("the warden executable", () => {
  it("exits with the CLI's code and prints the error on stderr as a real process", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const run = promisify(execFile);
    const failure = await run(
      process.execPath,
      ["--import", "tsx", main, "accounts", "get", "nope", "--gateway", gateway.url],
      {
        env: { ...process.env, WARDEN_API_KEY: apiKey },
      },
    ).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^error: INVALID_ARGUMENT: /);
    const ok = await run(
      process.execPath,
      ["--import", "tsx", main, "accounts", "list", "--gateway", gateway.url, "--json"],
      {
        env: { ...process.env, WARDEN_API_KEY: apiKey },
      },
    );
    expect(JSON.parse(ok.stdout).accounts).toHaveLength(1);
  });
});

/** Waits until the service answers grpc.health over Connect (any answer from its RPC port). */
async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`token-refresh did not come up:\n${tokenRefresh?.logs().slice(-20).join("\n")}`);
}
