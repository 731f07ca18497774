import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { AccountsService, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
const READ_WRITE = ["accounts:read", "accounts:write"];

async function tenant(name: string, projects = 1) {
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  const { org } = await admin.createOrg({ name });
  const projectIds: string[] = [];
  for (let i = 0; i < projects; i++)
    projectIds.push((await admin.createProject({ orgId: org!.id, name: `p${i}` })).project!.id);
  const orgKey = (await admin.createApiKey({ orgId: org!.id, scopes: READ_WRITE })).apiKey;
  const projectKey = (
    await admin.createApiKey({ orgId: org!.id, projectId: projectIds[0], scopes: READ_WRITE })
  ).apiKey;
  const readOnlyKey = (await admin.createApiKey({ orgId: org!.id, scopes: ["accounts:read"] })).apiKey;
  const accounts = connectClient(AccountsService, gateway.url, orgKey);
  const objects = [];
  for (const projectId of projectIds) {
    const { authConfig } = await accounts.createAuthConfig({
      projectId,
      name: "gh",
      tokenUrl: "https://github.example.com/token",
      clientId: "c",
      clientSecret: "s3cret-value",
      clientAuth: ClientAuth.BASIC,
    });
    const { account } = await accounts.createConnectedAccount({
      authConfigId: authConfig!.id,
      externalUserId: "u1",
      accessToken: "at",
      refreshToken: "rt",
      expiresAt: timestampFromDate(new Date(Date.now() + 60_000)),
    });
    objects.push({ projectId, authConfigId: authConfig!.id, accountId: account!.id });
  }
  return { orgId: org!.id, orgKey, projectKey, readOnlyKey, objects };
}

async function codeOf(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

let a: Awaited<ReturnType<typeof tenant>>;
let b: Awaited<ReturnType<typeof tenant>>;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "tenancy" });
  a = await tenant("A", 2);
  b = await tenant("B");
});

afterAll(async () => {
  await gateway?.close();
});

/** Every AccountsService RPC that names one object, aimed at `target`. */
function callsOn(
  client: ReturnType<typeof connectClient<typeof AccountsService>>,
  target: { projectId: string; authConfigId: string; accountId: string },
) {
  return {
    getAuthConfig: () => client.getAuthConfig({ authConfigId: target.authConfigId }),
    deleteAuthConfig: () => client.deleteAuthConfig({ authConfigId: target.authConfigId }),
    createConnectedAccount: () =>
      client.createConnectedAccount({
        authConfigId: target.authConfigId,
        externalUserId: "intruder",
        accessToken: "x",
      }),
    importConnectedAccounts: () =>
      client.importConnectedAccounts(
        (async function* () {
          yield { authConfigId: target.authConfigId, externalUserId: "intruder", accessToken: "x" };
        })(),
      ),
    createAuthConfig: () =>
      client.createAuthConfig({
        projectId: target.projectId,
        name: "x",
        tokenUrl: "https://x.example.com",
        clientId: "c",
        clientSecret: "s",
        clientAuth: ClientAuth.POST,
      }),
    getConnectedAccount: () => client.getConnectedAccount({ accountId: target.accountId }),
    reconnectAccount: () => client.reconnectAccount({ accountId: target.accountId, accessToken: "x" }),
    deleteConnectedAccount: () => client.deleteConnectedAccount({ accountId: target.accountId }),
  };
}

describe("tenant isolation", () => {
  it("a key of org B gets NOT_FOUND for every object of org A, on every RPC, and its lists stay empty", async () => {
    const intruder = connectClient(AccountsService, gateway.url, b.orgKey);
    for (const [name, call] of Object.entries(callsOn(intruder, a.objects[0]!))) {
      expect([name, await codeOf(call())]).toEqual([name, Code.NotFound]);
    }
    expect(
      (await intruder.listConnectedAccounts({ authConfigId: a.objects[0]!.authConfigId })).accounts,
    ).toEqual([]);
    expect((await intruder.listConnectedAccounts({ projectId: a.objects[0]!.projectId })).accounts).toEqual(
      [],
    );
    expect((await intruder.listAuthConfigs({ projectId: a.objects[0]!.projectId })).authConfigs).toEqual([]);
    // …and A's objects are untouched by B's attempts.
    const owner = connectClient(AccountsService, gateway.url, a.orgKey);
    expect((await owner.getConnectedAccount({ accountId: a.objects[0]!.accountId })).account!.status).toBe(1);
  });

  it("a project-bound key cannot see or touch a sibling project", async () => {
    const bound = connectClient(AccountsService, gateway.url, a.projectKey);
    const sibling = a.objects[1]!;
    for (const [name, call] of Object.entries(callsOn(bound, sibling))) {
      expect([name, await codeOf(call())]).toEqual([name, Code.NotFound]);
    }
    const own = await bound.listConnectedAccounts({});
    expect(own.accounts.map((x) => x.projectId)).toEqual([a.objects[0]!.projectId]);
    expect((await bound.listAuthConfigs({ projectId: sibling.projectId })).authConfigs).toEqual([]);
    expect(await codeOf(bound.getConnectedAccount({ accountId: a.objects[0]!.accountId }))).toBe("ok");
  });

  it("a key missing the scope is PERMISSION_DENIED, and no key is UNAUTHENTICATED", async () => {
    const readOnly = connectClient(AccountsService, gateway.url, a.readOnlyKey);
    expect(await codeOf(readOnly.getConnectedAccount({ accountId: a.objects[0]!.accountId }))).toBe("ok");
    for (const call of Object.values(callsOn(readOnly, a.objects[0]!)).filter(
      (_, i) => ![0, 5].includes(i),
    )) {
      expect(await codeOf(call())).toBe(Code.PermissionDenied);
    }
    const anonymous = connectClient(AccountsService, gateway.url);
    for (const call of Object.values(callsOn(anonymous, a.objects[0]!)))
      expect(await codeOf(call())).toBe(Code.Unauthenticated);
  });

  it("a revoked API key stops working", async () => {
    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
    const { apiKey, keyId } = await admin.createApiKey({ orgId: a.orgId, scopes: ["accounts:read"] });
    const client = connectClient(AccountsService, gateway.url, apiKey);
    expect(await codeOf(client.listAuthConfigs({}))).toBe("ok");
    await admin.revokeApiKey({ keyId });
    expect(await codeOf(client.listAuthConfigs({}))).toBe(Code.Unauthenticated);
  });
});
