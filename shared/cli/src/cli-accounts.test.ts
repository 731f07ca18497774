import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@warden/ids";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../../services/jobs-gateway/src/test-gateway.js";
import { runWarden, type CliResult } from "./test-cli.js";

const CLIENT_SECRET = "cli-client-SECRET-9a7c";
const tokensOf = (i: number) => ({ access: `at-cli-SECRET-${i}`, refresh: `rt-cli-SECRET-${i}` });

let gateway: TestGateway;
let dir: string;
let apiKey = "";
let projectId = "";
let authConfigId = "";
// Every CLI run except create-api-key's, to prove no secret ever reached the screen.
const outputs: CliResult[] = [];

async function warden(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = await runWarden(args, { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: apiKey, ...env });
  outputs.push(result);
  return result;
}

beforeAll(async () => {
  gateway = await startTestGateway({ label: "cli" });
  dir = await mkdtemp(join(tmpdir(), "warden-cli-"));
});

afterAll(async () => {
  await gateway?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("warden against a real gateway", () => {
  it("bootstraps org → project → api key, creates an auth config, imports a JSONL file and lists the accounts", async () => {
    const admin = { WARDEN_ADMIN_KEY: gateway.adminKey };
    const org = await warden(["admin", "create-org", "--name", "Acme", "--json"], admin);
    expect(org.code, org.stderr).toBe(0);
    const orgId = JSON.parse(org.stdout).org.id as string;
    expect(orgId).toMatch(/^org_/);

    const project = await warden(["admin", "create-project", "--org", orgId, "--name", "prod"], admin);
    expect(project.code, project.stderr).toBe(0);
    projectId = /project\s+(prj_\S+)/.exec(project.stdout)![1]!;

    // Not pushed to `outputs`: this command exists to show the key, once.
    const key = await runWarden(
      ["admin", "create-api-key", "--org", orgId, "--project", projectId, "--scopes", "all"],
      { WARDEN_GATEWAY_URL: gateway.url, ...admin },
    );
    expect(key.code, key.stderr).toBe(0);
    apiKey = /api key\s+(\S+)/.exec(key.stdout)![1]!;
    expect(key.stderr).toContain("shown only once");

    const config = await warden(
      [
        "accounts",
        "auth-configs",
        "create",
        "--name",
        "slack",
        "--token-url",
        "https://slack.example.com/api/oauth.v2.access",
        "--revoke-url",
        "https://slack.example.com/api/auth.revoke",
        "--client-id",
        "client-1",
        "--client-auth",
        "post",
        "--response-style",
        "slack",
        "--scopes",
        "chat:write,users:read",
      ],
      { WARDEN_CLIENT_SECRET: CLIENT_SECRET },
    );
    expect(config.code, config.stderr).toBe(0);
    authConfigId = /auth config\s+(ac_\S+)/.exec(config.stdout)![1]!;
    expect(config.stdout).toMatch(/response style\s+SLACK/);

    const file = join(dir, "accounts.jsonl");
    const lines = [0, 1, 2].map((i) =>
      JSON.stringify({
        // Both JSON spellings are accepted; the first record names its auth config, the rest use --auth-config.
        ...(i === 0 ? { auth_config_id: authConfigId } : {}),
        external_user_id: `user-${i}`,
        [i === 2 ? "accessToken" : "access_token"]: tokensOf(i).access,
        refresh_token: tokensOf(i).refresh,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
      }),
    );
    await writeFile(file, `${lines.join("\n")}\n\n`);
    const imported = await warden(["accounts", "import", file, "--auth-config", authConfigId]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("imported 3 records: 3 created, 0 updated");

    const again = await warden(["accounts", "import", file, "--auth-config", authConfigId, "--json"]);
    expect(JSON.parse(again.stdout)).toEqual({ updated: 3 });

    const list = await warden(["accounts", "list", "--auth-config", authConfigId]);
    expect(list.code, list.stderr).toBe(0);
    const rows = list.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^ID\s+AUTH CONFIG\s+EXTERNAL USER\s+STATUS/);
    expect(
      rows
        .slice(1)
        .map((r) => r.split(/\s+/)[2])
        .sort(),
    ).toEqual(["user-0", "user-1", "user-2"]);
    expect(rows.slice(1).every((r) => r.includes("ACTIVE"))).toBe(true);

    const paged = await warden(["accounts", "list", "--page-size", "2", "--json"]);
    const first = JSON.parse(paged.stdout) as { accounts: unknown[]; nextCursor: string };
    expect(first.accounts).toHaveLength(2);
    const all = await warden(["accounts", "list", "--page-size", "2", "--all", "--json"]);
    expect((JSON.parse(all.stdout) as { accounts: unknown[] }).accounts).toHaveLength(3);

    const configs = await warden(["auth-configs", "list"]);
    expect(configs.stdout).toContain(authConfigId);
    const got = await warden(["auth-configs", "get", authConfigId, "--json"]);
    expect(JSON.parse(got.stdout).authConfig.defaultScopes).toEqual(["chat:write", "users:read"]);
  });

  it("a bad id exits 1 with the gRPC code and message on stderr and nothing on stdout", async () => {
    const unknown = await warden(["accounts", "get", newId("account")]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(/^error: NOT_FOUND: \S.*\n$/);

    const malformed = await warden(["accounts", "get", "not-an-id"]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/^error: INVALID_ARGUMENT: .*account_id/);

    const wrongKind = await warden(["jobs", "get", authConfigId]);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toMatch(/^error: INVALID_ARGUMENT: /);
  });

  it("a wrong key is UNAUTHENTICATED and a missing scope PERMISSION_DENIED, each exit 1", async () => {
    const wrong = await warden(["accounts", "list", "--key", "key_nope.nope"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: UNAUTHENTICATED: /);
    const operator = await warden(["accounts", "list", "--key", gateway.adminKey]);
    expect(operator.code).toBe(1);
    expect(operator.stderr).toMatch(/^error: (PERMISSION_DENIED|UNAUTHENTICATED): /);
  });

  it("usage mistakes exit 2 without calling the server, and --help exits 0", async () => {
    for (const args of [
      ["frobnicate"],
      ["accounts", "frobnicate"],
      ["admin", "create-org"],
      ["accounts", "get"],
      ["accounts", "list", "--status", "sleepy"],
      ["accounts", "list", "--no-such-flag"],
      ["revoke", "--scope", "planet:earth"],
      ["jobs", "get", "pj_x", "--page-size", "-3"],
    ]) {
      const result = await warden(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toMatch(/^error: /);
    }
    expect((await runWarden(["accounts", "list"], { WARDEN_GATEWAY_URL: gateway.url })).stderr).toContain(
      "no key: pass --key or set WARDEN_API_KEY",
    );
    const help = await warden(["jobs", "get", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: warden jobs get <job-id>");
    expect((await warden(["--help"])).code).toBe(0);
  });

  it("a bad JSONL line rejects the whole import, names the line and never echoes its content", async () => {
    const file = join(dir, "bad.jsonl");
    const good = {
      external_user_id: "late-0",
      access_token: "at-late-SECRET",
      refresh_token: "rt-late-SECRET",
    };
    const bad = {
      external_user_id: "late-1",
      access_token: "at-bad-SECRET",
      expires_at: "rt-bad-SECRET-not-a-time",
    };
    await writeFile(file, `${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`);
    const result = await warden(["accounts", "import", file, "--auth-config", authConfigId]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: line 2: /);
    expect(result.stderr).not.toContain("SECRET");

    const notJson = join(dir, "not.jsonl");
    await writeFile(notJson, `{"access_token": "at-broken-SECRET"\n`);
    const broken = await warden(["accounts", "import", notJson, "--auth-config", authConfigId]);
    expect(broken.stderr).toBe("error: line 1: not valid JSON\n");

    const missing = await warden(["accounts", "import", join(dir, "missing.jsonl")]);
    expect(missing.code).toBe(2);

    const list = await warden(["accounts", "list", "--auth-config", authConfigId, "--all", "--json"]);
    const ids = (JSON.parse(list.stdout).accounts as { externalUserId: string }[]).map(
      (a) => a.externalUserId,
    );
    expect(ids).not.toContain("late-0");
  });

  it("reconnect, delete and an account's details never show a token or the client secret", async () => {
    const list = await warden(["accounts", "list", "--json"]);
    const accountId = (JSON.parse(list.stdout).accounts as { id: string }[])[0]!.id;
    const reconnect = await warden([
      "accounts",
      "reconnect",
      accountId,
      "--access-token",
      "at-new-SECRET",
      "--refresh-token",
      "rt-new-SECRET",
      "--expires-at",
      "+3600",
    ]);
    expect(reconnect.code, reconnect.stderr).toBe(0);
    expect(reconnect.stdout).toMatch(/status\s+ACTIVE/);
    const deleted = await warden(["accounts", "delete", accountId]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await warden(["accounts", "get", accountId])).stdout).toMatch(/status\s+DELETED/);

    const everything = outputs.map((o) => o.stdout + o.stderr).join("\n");
    expect(everything).not.toContain("SECRET");
    expect(everything).not.toContain(apiKey);
    expect(everything).not.toContain(gateway.adminKey);
  });
});
