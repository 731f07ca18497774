import { toJsonString } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { hashSecretToken } from "@warden/crypto";
import { AdminService, ListApiKeysResponseSchema } from "@warden/proto/admin/v1";
import { JobsService } from "@warden/proto/jobs/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let admin: ReturnType<typeof connectClient<typeof AdminService>>;
let orgA: string;
let orgB: string;
const secrets: string[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ label: "apikeys" });
  admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  orgA = (await admin.createOrg({ name: "A" })).org!.id;
  orgB = (await admin.createOrg({ name: "B" })).org!.id;
  for (let i = 0; i < 5; i++)
    secrets.push((await admin.createApiKey({ orgId: orgA, scopes: ["jobs:read"] })).apiKey);
  secrets.push((await admin.createApiKey({ orgId: orgB, scopes: ["jobs:read"] })).apiKey);
});

afterAll(async () => {
  await gateway?.close();
});

describe("ListApiKeys", () => {
  it("lists an org's keys newest first, paged, with metadata and never a secret or its hash", async () => {
    const listed = [];
    let cursor = "";
    do {
      const page = await admin.listApiKeys({ orgId: orgA, pageSize: 2, cursor });
      listed.push(...page.apiKeys);
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toHaveLength(5);
    expect(new Set(listed.map((k) => k.keyId)).size).toBe(5);
    expect(listed.every((k) => k.orgId === orgA && k.scopes.join() === "jobs:read" && k.createdAt)).toBe(
      true,
    );
    const created = listed.map((k) => timestampDate(k.createdAt!).getTime());
    expect([...created].sort((x, y) => y - x)).toEqual(created);

    const everything = toJsonString(ListApiKeysResponseSchema, await admin.listApiKeys({ pageSize: 1000 }));
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(hashSecretToken(secret));
    }
    expect(everything).toContain(orgB);
  });

  it("shows revocation and expiry", async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const { keyId } = await admin.createApiKey({
      orgId: orgB,
      scopes: ["jobs:read"],
      expiresAt: timestampFromDate(expiresAt),
    });
    await admin.revokeApiKey({ keyId });
    const key = (await admin.listApiKeys({ orgId: orgB })).apiKeys.find((k) => k.keyId === keyId)!;
    expect(timestampDate(key.expiresAt!).getTime()).toBe(expiresAt.getTime());
    expect(key.revokedAt).toBeDefined();
    expect(key.lastUsedAt).toBeUndefined();
  });

  it("is for the operator only and refuses a malformed org_id naming it", async () => {
    const asKey = connectClient(AdminService, gateway.url, secrets[0]);
    expect(await codeOf(asKey.listApiKeys({ orgId: orgA }))).toBe(Code.PermissionDenied);
    const error = await admin.listApiKeys({ orgId: "nope" }).catch(ConnectError.from);
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect((error as ConnectError).rawMessage).toMatch(/^org_id /);
  });
});

describe("CreateApiKey expires_at", () => {
  it("must be in the future", async () => {
    const error = await admin
      .createApiKey({
        orgId: orgA,
        scopes: ["jobs:read"],
        expiresAt: timestampFromDate(new Date(Date.now() - 1000)),
      })
      .catch(ConnectError.from);
    expect(error).toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "expires_at must be in the future",
    });
  });

  it("a key created with an expiry works until then", async () => {
    const { apiKey } = await admin.createApiKey({
      orgId: orgA,
      scopes: ["jobs:read"],
      expiresAt: timestampFromDate(new Date(Date.now() + 3_600_000)),
    });
    secrets.push(apiKey);
    expect(await codeOf(connectClient(JobsService, gateway.url, apiKey).listRevokeJobs({}))).toBe("ok");
  });
});
