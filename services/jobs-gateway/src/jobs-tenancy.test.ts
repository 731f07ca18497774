import { Code, ConnectError } from "@connectrpc/connect";
import { newId } from "@warden/ids";
import { AdminService } from "@warden/proto/admin/v1";
import type { ItemFilter } from "@warden/proto/jobs/v1";
import { JobsService, ScopeKind } from "@warden/proto/jobs/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_SECRET,
  codeOf,
  createTenant,
  finishItems,
  planItems,
  type TestTenant,
} from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

type JobsClient = ReturnType<typeof connectClient<typeof JobsService>>;

let gateway: TestGateway;
let a: TestTenant;
let b: TestTenant;
/** Jobs of tenant A: one per scope class, each finished with a failed item so retry is possible. */
let aJobs: { org: string; project: string; otherProject: string };
const issuedKeys: string[] = [];

async function finishedJob(client: JobsClient, kind: ScopeKind, id: string, authConfigId: string) {
  const jobId = (await client.createRevokeJob({ scope: { kind, id } })).job!.id;
  await planItems(gateway, jobId, 2, authConfigId);
  await finishItems(gateway, jobId, 2, "failed", "server_error");
  return jobId;
}

beforeAll(async () => {
  gateway = await startTestGateway({ label: "jobstenancy" });
  a = await createTenant(gateway, "A", 2);
  b = await createTenant(gateway, "B", 1);
  issuedKeys.push(
    a.orgKey,
    a.projectKey,
    a.readOnlyKey,
    b.orgKey,
    b.projectKey,
    b.readOnlyKey,
    gateway.adminKey,
  );
  const aOrg = connectClient(JobsService, gateway.url, a.orgKey);
  // An auth config in A's other project, so that project has a job of its own.
  aJobs = {
    org: await finishedJob(aOrg, ScopeKind.ORG, a.orgId, a.authConfigId),
    project: await finishedJob(aOrg, ScopeKind.PROJECT, a.projectId, a.authConfigId),
    otherProject: await finishedJob(aOrg, ScopeKind.PROJECT, a.otherProjectId, a.authConfigId),
  };
});

afterAll(async () => {
  await gateway?.close();
});

/** Every JobsService RPC that names a job, as a thunk. */
function jobCalls(client: JobsClient, jobId: string) {
  return {
    getRevokeJob: () => client.getRevokeJob({ jobId }),
    retryRevokeJob: () => client.retryRevokeJob({ jobId }),
    cancelRevokeJob: () => client.cancelRevokeJob({ jobId }),
    watchRevokeJob: async () => {
      for await (const _ of client.watchRevokeJob({ jobId }, { timeoutMs: 10_000 })) return;
    },
  };
}

describe("JobsService tenant isolation", () => {
  it("another org's jobs are NOT_FOUND for every RPC that names a job, and absent from its list", async () => {
    const intruder = connectClient(JobsService, gateway.url, b.orgKey);
    for (const jobId of Object.values(aJobs)) {
      for (const [name, call] of Object.entries(jobCalls(intruder, jobId))) {
        expect(await codeOf(call()), `${name} ${jobId}`).toBe(Code.NotFound);
      }
    }
    const listed = await intruder.listRevokeJobs({ pageSize: 1000 });
    expect(listed.jobs.some((j) => j.orgId === a.orgId)).toBe(false);
  });

  it("a project-bound key sees its project's jobs but gets NOT_FOUND for org jobs and sibling projects' jobs", async () => {
    const bound = connectClient(JobsService, gateway.url, a.projectKey);
    expect(await codeOf(bound.getRevokeJob({ jobId: aJobs.project }))).toBe("ok");
    for (const jobId of [aJobs.org, aJobs.otherProject]) {
      for (const [name, call] of Object.entries(jobCalls(bound, jobId))) {
        expect(await codeOf(call()), `${name} ${jobId}`).toBe(Code.NotFound);
      }
    }
    expect((await bound.listRevokeJobs({})).jobs.map((j) => j.id)).toEqual([aJobs.project]);
  });

  it("CreateRevokeJob on another tenant's org, project, auth config or account is NOT_FOUND and creates nothing", async () => {
    const intruder = connectClient(JobsService, gateway.url, b.orgKey);
    const before = await gateway.deps.db.selectFrom("revoke_jobs").select("id").execute();
    const scopes = [
      { kind: ScopeKind.ORG, id: a.orgId },
      { kind: ScopeKind.PROJECT, id: a.projectId },
      { kind: ScopeKind.AUTH_CONFIG, id: a.authConfigId },
      { kind: ScopeKind.CONNECTED_ACCOUNT, id: a.accountIds[0]! },
      { kind: ScopeKind.PROJECT, id: newId("project") },
    ];
    for (const scope of scopes) {
      expect(await codeOf(intruder.createRevokeJob({ scope })), scope.id).toBe(Code.NotFound);
    }
    const bound = connectClient(JobsService, gateway.url, a.projectKey);
    expect(
      await codeOf(bound.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: a.otherProjectId } })),
    ).toBe(Code.NotFound);
    expect(await gateway.deps.db.selectFrom("revoke_jobs").select("id").execute()).toHaveLength(
      before.length,
    );
  });

  it("scopes: jobs:read cannot create, retry or cancel; a key without jobs:read cannot read; the operator key is no API key", async () => {
    const readOnly = connectClient(JobsService, gateway.url, a.readOnlyKey);
    expect(await codeOf(readOnly.getRevokeJob({ jobId: aJobs.project }))).toBe("ok");
    expect(await codeOf(readOnly.getPoolStatus({}))).toBe("ok");
    expect(
      await codeOf(readOnly.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: a.projectId } })),
    ).toBe(Code.PermissionDenied);
    expect(await codeOf(readOnly.retryRevokeJob({ jobId: aJobs.project }))).toBe(Code.PermissionDenied);
    expect(await codeOf(readOnly.cancelRevokeJob({ jobId: aJobs.project }))).toBe(Code.PermissionDenied);

    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
    const accountsOnly = (await admin.createApiKey({ orgId: a.orgId, scopes: ["accounts:read"] })).apiKey;
    issuedKeys.push(accountsOnly);
    const noJobs = connectClient(JobsService, gateway.url, accountsOnly);
    for (const [name, call] of Object.entries({
      ...jobCalls(noJobs, aJobs.project),
      listRevokeJobs: () => noJobs.listRevokeJobs({}),
      getPoolStatus: () => noJobs.getPoolStatus({}),
    })) {
      expect(await codeOf(call()), name).toBe(Code.PermissionDenied);
    }
    const operator = connectClient(JobsService, gateway.url, gateway.adminKey);
    expect(await codeOf(operator.listRevokeJobs({}))).toBe(Code.PermissionDenied);
    expect(await codeOf(connectClient(JobsService, gateway.url, "wdn_unknown").listRevokeJobs({}))).toBe(
      Code.Unauthenticated,
    );
  });
});

describe("JobsService bad input", () => {
  async function expectInvalid(field: string, call: () => Promise<unknown>) {
    let error: ConnectError | undefined;
    try {
      await call();
    } catch (e) {
      error = ConnectError.from(e);
    }
    expect(error?.code, `${field}: ${error?.rawMessage}`).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toContain(field);
  }

  it("malformed and wrong-class job ids are INVALID_ARGUMENT naming job_id, for every RPC that takes one", async () => {
    const client = connectClient(JobsService, gateway.url, a.orgKey);
    const bad = [
      "",
      "pj_",
      "pj_short",
      "oj_UPPERCASEUPPERCASEUPPERCASE",
      newId("project"),
      newId("account"),
      "pj_x.y*z>",
    ];
    for (const jobId of bad) {
      for (const [name, call] of Object.entries(jobCalls(client, jobId))) {
        await expectInvalid("job_id", call).catch((e: unknown) => {
          throw new Error(`${name}(${JSON.stringify(jobId)}): ${String(e)}`);
        });
      }
    }
  });

  it("missing scopes, unknown kinds and ids of the wrong kind are INVALID_ARGUMENT naming the field", async () => {
    const client = connectClient(JobsService, gateway.url, a.orgKey);
    await expectInvalid("scope", () => client.createRevokeJob({}));
    await expectInvalid("scope.kind", () => client.createRevokeJob({ scope: { id: a.projectId } }));
    await expectInvalid("scope.kind", () =>
      client.createRevokeJob({ scope: { kind: 42 as ScopeKind, id: a.projectId } }),
    );
    const mismatched = [
      { kind: ScopeKind.ORG, id: a.projectId },
      { kind: ScopeKind.PROJECT, id: a.authConfigId },
      { kind: ScopeKind.AUTH_CONFIG, id: a.accountIds[0]! },
      { kind: ScopeKind.CONNECTED_ACCOUNT, id: a.orgId },
      { kind: ScopeKind.PROJECT, id: "" },
      { kind: ScopeKind.PROJECT, id: "prj_not-an-id" },
    ];
    for (const scope of mismatched) await expectInvalid("scope.id", () => client.createRevokeJob({ scope }));
  });

  it("an unknown filter and malformed cursors are INVALID_ARGUMENT naming the field", async () => {
    const client = connectClient(JobsService, gateway.url, a.orgKey);
    await expectInvalid("filter", () =>
      client.getRevokeJob({ jobId: aJobs.project, filter: 7 as ItemFilter }),
    );
    await expectInvalid("cursor", () => client.getRevokeJob({ jobId: aJobs.project, cursor: "x.y" }));
    await expectInvalid("cursor", () => client.listRevokeJobs({ cursor: "not a cursor" }));
    // A ledger cursor is no job-list cursor.
    const page = await client.getRevokeJob({ jobId: aJobs.project, pageSize: 1 });
    expect(page.nextCursor).not.toBe("");
    await expectInvalid("cursor", () => client.listRevokeJobs({ cursor: page.nextCursor }));
  });

  it("no secret (client secret, API keys, account tokens) appears in any log line", () => {
    const logs = gateway.logLines.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain("revoke job created");
    for (const secret of [CLIENT_SECRET, ...issuedKeys, "SECRET-A-", "SECRET-B-"])
      expect(logs).not.toContain(secret);
  });
});
