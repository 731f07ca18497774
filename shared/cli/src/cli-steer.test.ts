import { Readable } from "node:stream";
import { clientSecretAssociatedData } from "@warden/crypto";
import { JobsService } from "@warden/proto/jobs/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_SECRET,
  createTenant,
  finishItems,
  planItems,
  type TestTenant,
} from "../../../services/jobs-gateway/src/jobs-test-fixtures.js";
import { connectClient } from "../../../services/jobs-gateway/src/test-clients.js";
import { startTestGateway, type TestGateway } from "../../../services/jobs-gateway/src/test-gateway.js";
import { runWarden } from "./test-cli.js";

let gateway: TestGateway;
let tenant: TestTenant;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "clisteer" });
  tenant = await createTenant(gateway, "steer", 4);
});

afterAll(async () => {
  await gateway?.close();
});

const warden = (
  args: string[],
  options: { stdin?: NodeJS.ReadableStream; env?: Record<string, string> } = {},
) =>
  runWarden(
    args,
    { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: tenant.orgKey, ...options.env },
    { stdin: options.stdin },
  );

describe("warden revoke --dry-run", () => {
  it("prints the preview per auth config, exits 0 and starts no job", async () => {
    const result = await warden(["revoke", "--scope", `project:${tenant.projectId}`, "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(tenant.authConfigId);
    expect(result.stdout).toContain("dry run: 4 accounts would be revoked; nothing was started");
    const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
    expect((await jobs.listRevokeJobs({})).jobs).toHaveLength(0);
    const json = await warden(["revoke", "--scope", `project:${tenant.projectId}`, "--dry-run", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ preview: { totalAccounts: "4" } });
  });
});

describe("warden jobs get exit codes", () => {
  it("exits 3 for COMPLETED_WITH_FAILURES and for a cancelled job, 0 for a clean one, and shows the new ledger columns", async () => {
    const fresh = await createTenant(gateway, "exits", 0);
    const jobs = connectClient(JobsService, gateway.url, fresh.orgKey);
    const run = (args: string[]) =>
      runWarden(args, { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: fresh.orgKey });
    const scope = { kind: 2, id: fresh.projectId };
    const failing = (await jobs.createRevokeJob({ scope })).job!.id;
    await planItems(gateway, failing, 3, fresh.authConfigId);
    await finishItems(gateway, failing, 2, "revoked");
    await finishItems(gateway, failing, 1, "failed", "invalid_token");
    const failed = await run(["jobs", "get", failing, "--failed"]);
    expect(failed.stdout).toContain("COMPLETED_WITH_FAILURES");
    expect(failed.stdout.toLowerCase()).toContain("external user");
    expect(failed.code).toBe(3);

    const clean = (await jobs.createRevokeJob({ scope: { kind: 3, id: fresh.authConfigId } })).job!.id;
    await planItems(gateway, clean, 2, fresh.authConfigId);
    await finishItems(gateway, clean, 2, "revoked");
    expect((await run(["jobs", "get", clean])).code).toBe(0);

    const cancelled = (await jobs.createRevokeJob({ scope })).job!.id;
    await planItems(gateway, cancelled, 10, fresh.authConfigId);
    await finishItems(gateway, cancelled, 4, "revoked");
    await jobs.cancelRevokeJob({ jobId: cancelled });
    const result = await run(["jobs", "get", cancelled]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain("CANCELLED");
  });
});

describe("warden auth-configs update", () => {
  it("reads a new client secret from stdin, never echoes it, and changes only the given fields", async () => {
    const secret = "rotated-secret-CLI-77aa";
    const result = await warden(
      ["auth-configs", "update", tenant.authConfigId, "--client-secret-stdin", "--name", "rotated"],
      { stdin: Readable.from([`${secret}\n`]) },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("rotated");
    expect(result.stdout + result.stderr).not.toContain(secret);
    const row = await gateway.deps.db
      .selectFrom("auth_configs")
      .selectAll()
      .where("id", "=", tenant.authConfigId)
      .executeTakeFirstOrThrow();
    expect(row.token_url).toBe("https://provider.example.com/token");
    expect(
      gateway.deps.keyring.open(
        { keyId: row.client_secret_key_id!, ciphertext: row.client_secret_ciphertext! },
        clientSecretAssociatedData(tenant.authConfigId),
      ),
    ).toBe(secret);
    expect(secret).not.toBe(CLIENT_SECRET);

    const fromEnv = await warden(["auth-configs", "update", tenant.authConfigId, "--client-secret-env"], {
      env: { WARDEN_CLIENT_SECRET: "env-secret-CLI-88bb" },
    });
    expect(fromEnv.code).toBe(0);
    // A secret is never taken from argv, and an empty update is a usage error.
    expect((await warden(["auth-configs", "update", tenant.authConfigId, "--client-secret", "x"])).code).toBe(
      2,
    );
    expect((await warden(["auth-configs", "update", tenant.authConfigId])).code).toBe(2);
    const bad = await warden([
      "auth-configs",
      "update",
      tenant.authConfigId,
      "--token-url",
      "http://evil.example.com",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("token_url");
  });
});
