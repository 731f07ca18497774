import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { anyUnpack, AnySchema, type Any } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { connectBus } from "@warden/bus";
import { AccountsService, AccountStatus } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { JobsService, JobStatus, RevokeJobSchema, ScopeKind } from "@warden/proto/jobs/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  consumePlans,
  createTenant,
  eventCount,
  finishItems,
  planItems,
  type TestTenant,
} from "./jobs-test-fixtures.js";
import { connectClient, grpcCaller } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let tenant: TestTenant;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "jobscreate" });
  tenant = await createTenant(gateway, "creator", 3);
});

afterAll(async () => {
  await gateway?.close();
});

/** The Any details of grpc-js's grpc-status-details-bin trailer (google.rpc.Status field 3). */
function grpcStatusDetails(error: grpc.ServiceError): Any[] {
  const raw = error.metadata.get("grpc-status-details-bin")[0];
  if (!(raw instanceof Buffer)) return [];
  const reader = new BinaryReader(raw);
  const details: Any[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 3) details.push(fromBinary(AnySchema, reader.bytes()));
    else reader.skip(wireType);
  }
  return details;
}

describe("CreateRevokeJob", () => {
  it("100 concurrent creates for one scope make one job; the other 99 get ALREADY_EXISTS carrying it (Connect and grpc-js)", async () => {
    const connect = connectClient(JobsService, gateway.url, tenant.orgKey);
    const { call, client } = grpcCaller("warden.jobs.v1.JobsService", gateway.port, tenant.orgKey);
    const scope = { kind: ScopeKind.PROJECT, id: tenant.projectId };
    type Outcome = { created?: string; existing?: string; via: string };
    const attempts: Promise<Outcome>[] = [];
    for (let i = 0; i < 100; i++) {
      if (i % 2 === 0) {
        attempts.push(
          connect.createRevokeJob({ scope }).then(
            (r) => ({ created: r.job!.id, via: "connect" }),
            (e: unknown) => {
              const error = ConnectError.from(e);
              expect(error.code).toBe(Code.AlreadyExists);
              return { existing: error.findDetails(RevokeJobSchema)[0]?.id, via: "connect" };
            },
          ),
        );
      } else {
        attempts.push(
          call("CreateRevokeJob", { scope: { kind: "SCOPE_KIND_PROJECT", id: tenant.projectId } }).then(
            (r: { job: { id: string } }) => ({ created: r.job.id, via: "grpc" }),
            (e: grpc.ServiceError) => {
              expect(e.code).toBe(grpc.status.ALREADY_EXISTS);
              const [detail] = grpcStatusDetails(e);
              expect(detail?.typeUrl).toBe("type.googleapis.com/warden.jobs.v1.RevokeJob");
              return { existing: anyUnpack(detail!, RevokeJobSchema)?.id, via: "grpc" };
            },
          ),
        );
      }
    }
    const outcomes = await Promise.all(attempts);
    client.close();
    const created = outcomes.filter((o) => o.created);
    expect(created).toHaveLength(1);
    const jobId = created[0]!.created!;
    expect(jobId).toMatch(/^pj_/);
    const existing = outcomes.filter((o) => o.existing);
    expect(existing).toHaveLength(99);
    expect(existing.every((o) => o.existing === jobId)).toBe(true);
    expect(new Set(existing.map((o) => o.via))).toEqual(new Set(["connect", "grpc"]));

    const rows = await gateway.deps.db
      .selectFrom("revoke_jobs")
      .select(["id", "status", "run", "org_id", "project_id"])
      .where("scope_id", "=", tenant.projectId)
      .execute();
    expect(rows).toEqual([
      { id: jobId, status: "planning", run: 1, org_id: tenant.orgId, project_id: tenant.projectId },
    ]);
  });

  it("publishes exactly one plan message and one created event per job run", async () => {
    const connect = connectClient(JobsService, gateway.url, tenant.orgKey);
    const { job } = await connect.createRevokeJob({
      scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: tenant.accountIds[0]! },
      force: true,
    });
    expect(job!.force).toBe(true);
    expect(job!.status).toBe(JobStatus.PLANNING);
    // A second create for the same scope must not publish again.
    expect(
      await connect
        .createRevokeJob({ scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: tenant.accountIds[0]! } })
        .then(
          () => "ok",
          (e: unknown) => ConnectError.from(e).code,
        ),
    ).toBe(Code.AlreadyExists);
    const plans = await consumePlans(gateway);
    const projectJob = (
      await gateway.deps.db
        .selectFrom("revoke_jobs")
        .select("id")
        .where("scope_id", "=", tenant.projectId)
        .executeTakeFirstOrThrow()
    ).id;
    const byJob = new Map<string, number[]>();
    for (const plan of plans) byJob.set(plan.jobId, [...(byJob.get(plan.jobId) ?? []), plan.run]);
    expect(byJob.get(job!.id)).toEqual([1]);
    expect(byJob.get(projectJob)).toEqual([1]);
    expect(plans).toHaveLength(2);
    expect(await eventCount(gateway, job!.id, "created")).toBe(1);
    expect(await eventCount(gateway, projectJob, "created")).toBe(1);
  });

  it("an org scope gives an oj_ job to an org-wide key and NOT_FOUND to a project-bound key", async () => {
    const projectBound = connectClient(JobsService, gateway.url, tenant.projectKey);
    const error = ConnectError.from(
      await projectBound
        .createRevokeJob({ scope: { kind: ScopeKind.ORG, id: tenant.orgId } })
        .catch((e: unknown) => e),
    );
    expect(error.code).toBe(Code.NotFound);
    const { job } = await connectClient(JobsService, gateway.url, tenant.orgKey).createRevokeJob({
      scope: { kind: ScopeKind.ORG, id: tenant.orgId },
    });
    expect(job!.id).toMatch(/^oj_/);
    expect(job!.projectId).toBe("");
    expect(job!.orgId).toBe(tenant.orgId);
  });
});

describe("CreateRevokeJob when NATS refuses the plan", () => {
  it("still returns the PLANNING job (durable in Postgres) and logs the failure for the recovery sweep", async () => {
    const deadBus = await connectBus({
      servers: [process.env.NATS_URL ?? "nats://127.0.0.1:4222"],
      name: "closed",
    });
    await deadBus.close();
    const isolated = await startTestGateway({ label: "jobsnoplan", extend: () => ({ bus: deadBus }) });
    try {
      const own = await createTenant(isolated, "noplan", 1);
      const { job } = await connectClient(JobsService, isolated.url, own.orgKey).createRevokeJob({
        scope: { kind: ScopeKind.PROJECT, id: own.projectId },
      });
      expect(job!.status).toBe(JobStatus.PLANNING);
      const row = await isolated.deps.db
        .selectFrom("revoke_jobs")
        .select("status")
        .where("id", "=", job!.id)
        .executeTakeFirst();
      expect(row?.status).toBe("planning");
      expect(isolated.logLines.join("\n")).toContain("could not publish revoke plan");
    } finally {
      await isolated.close();
    }
  });
});

describe("revoke_on_delete", () => {
  it("DeleteConnectedAccount starts a job, DeleteAuthConfig joins none (new scope), DeleteProject joins the in-flight one; rows are soft-deleted", async () => {
    const fresh = await createTenant(gateway, "deleter", 3);
    const accounts = connectClient(AccountsService, gateway.url, fresh.orgKey);
    const jobs = connectClient(JobsService, gateway.url, fresh.orgKey);
    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);

    const deletedAccount = await accounts.deleteConnectedAccount({
      accountId: fresh.accountIds[0]!,
      revokeOnDelete: true,
    });
    expect(deletedAccount.jobId).toMatch(/^pj_/);
    expect(deletedAccount.account!.status).toBe(AccountStatus.DELETED);
    const accountJob = (await jobs.getRevokeJob({ jobId: deletedAccount.jobId })).job!;
    expect(accountJob.scope).toMatchObject({ kind: ScopeKind.CONNECTED_ACCOUNT, id: fresh.accountIds[0] });

    const deletedConfig = await accounts.deleteAuthConfig({
      authConfigId: fresh.authConfigId,
      revokeOnDelete: true,
    });
    expect(deletedConfig.jobId).toMatch(/^pj_/);
    expect(deletedConfig.jobId).not.toBe(deletedAccount.jobId);
    expect(deletedConfig.authConfig!.deletedAt).toBeDefined();

    // A project job already in flight is joined, not duplicated.
    const { job: projectJob } = await jobs.createRevokeJob({
      scope: { kind: ScopeKind.PROJECT, id: fresh.projectId },
    });
    const deletedProject = await admin.deleteProject({ projectId: fresh.projectId, revokeOnDelete: true });
    expect(deletedProject.jobId).toBe(projectJob!.id);
    expect(deletedProject.project!.deletedAt).toBeDefined();

    const liveAccounts = await gateway.deps.db
      .selectFrom("connected_accounts")
      .select("id")
      .where("project_id", "=", fresh.projectId)
      .where("deleted_at", "is", null)
      .execute();
    expect(liveAccounts).toEqual([]);
    const jobRows = await gateway.deps.db
      .selectFrom("revoke_jobs")
      .select(["scope_kind"])
      .where("org_id", "=", fresh.orgId)
      .orderBy("scope_kind")
      .execute();
    expect(jobRows.map((r) => r.scope_kind)).toEqual(["auth_config", "connected_account", "project"]);
  });

  it("DeleteProject with revoke_on_delete starts a job when none is in flight, and a later one starts anew after completion", async () => {
    const fresh = await createTenant(gateway, "deleter2", 1);
    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
    const jobs = connectClient(JobsService, gateway.url, fresh.orgKey);
    const { job: done } = await jobs.createRevokeJob({
      scope: { kind: ScopeKind.PROJECT, id: fresh.projectId },
    });
    await planItems(gateway, done!.id, 1, fresh.authConfigId);
    await finishItems(gateway, done!.id, 1, "revoked");
    const { jobId } = await admin.deleteProject({ projectId: fresh.projectId, revokeOnDelete: true });
    expect(jobId).toMatch(/^pj_/);
    expect(jobId).not.toBe(done!.id);
    expect((await jobs.getRevokeJob({ jobId })).job!.status).toBe(JobStatus.PLANNING);
  });
});
