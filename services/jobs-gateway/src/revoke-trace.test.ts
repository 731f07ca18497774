// One trace from CreateRevokeJob on the gateway, over NATS headers, through
// the executor's planning, items, provider calls and ledger writes.
import { createLogger } from "@warden/logger";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { AccountsService, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { JobsService, JobStatus, ScopeKind } from "@warden/proto/jobs/v1";
import { DEFAULT_EXECUTOR_SETTINGS, startRevokeExecutor, type RevokeExecutor } from "@warden/revoke-executor";
import {
  itemsUnderBatchSpans,
  startTestTelemetry,
  type ReadableSpan,
  type TestTelemetry,
} from "@warden/telemetry/testing";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_SCOPES } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

const CLIENT_SECRET = "trace-client-secret-4f0e";
let telemetry: TestTelemetry;
let provider: MockProvider;
let gateway: TestGateway;
let executor: RevokeExecutor;

beforeAll(async () => {
  telemetry = startTestTelemetry("warden");
  provider = await startMockProvider({ clientSecret: CLIENT_SECRET });
  gateway = await startTestGateway({ label: "trace" });
  const { db, redis, bus, namespace, keyring } = gateway.deps;
  executor = await startRevokeExecutor({
    db,
    redis,
    bus,
    namespace,
    keyring,
    logger: createLogger({ service: "revoke-executor", level: "silent" }),
    instanceId: "trace-test",
    settings: DEFAULT_EXECUTOR_SETTINGS,
  });
});

afterAll(async () => {
  await executor?.stop();
  await gateway?.close();
  await provider?.close();
  await telemetry?.shutdown();
});

describe("revoke tracing", () => {
  it("one trace spans CreateRevokeJob, planning, every item, its provider call and its ledger write", async () => {
    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
    const orgId = (await admin.createOrg({ name: "traced" })).org!.id;
    const projectId = (await admin.createProject({ orgId, name: "p" })).project!.id;
    const key = (await admin.createApiKey({ orgId, scopes: JOB_SCOPES })).apiKey;
    const accounts = connectClient(AccountsService, gateway.url, key);
    const { authConfig } = await accounts.createAuthConfig({
      projectId,
      name: "provider",
      tokenUrl: provider.tokenUrl,
      revokeUrl: provider.revokeUrl,
      clientId: "warden-mock-client",
      clientSecret: CLIENT_SECRET,
      clientAuth: ClientAuth.BASIC,
    });
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const issued = provider.issueTokens();
      tokens.push(issued.access_token, issued.refresh_token);
      await accounts.createConnectedAccount({
        authConfigId: authConfig!.id,
        externalUserId: `user-${i}`,
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
      });
    }
    telemetry.reset();

    const jobs = connectClient(JobsService, gateway.url, key);
    const { job } = await jobs.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: projectId } });
    await waitFor(
      async () => (await jobs.getRevokeJob({ jobId: job!.id })).job?.status === JobStatus.COMPLETED,
      { message: "the job to complete", timeoutMs: 30_000 },
    );
    const count = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name).length;
    await waitFor(
      () => {
        const all = telemetry.spans();
        return count(all, "revoke.provider_call") === 3 && count(all, "revoke.plan") === 1;
      },
      { message: "the plan and provider call spans to end" },
    );
    const spans = telemetry.spans();

    const rpc = spans.find((s) => s.name === "warden.jobs.v1.JobsService/CreateRevokeJob")!;
    const trace = rpc.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === trace);
    const byId = new Map(inTrace.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? "");

    const plan = inTrace.find((s) => s.name === "revoke.plan")!;
    expect(plan.attributes["warden.job_id"]).toBe(job!.id);
    expect(parentOf(plan)).toBe(rpc);
    // Each item's span is its provider call, a child of the plan's across the NATS hop.
    const calls = inTrace.filter((s) => s.name === "revoke.provider_call");
    expect(calls).toHaveLength(3);
    for (const span of calls) expect(parentOf(span)).toBe(plan);
    // Ledger writes are batched: one span per transaction, child of one of its items' calls, linking the rest.
    const writes = inTrace.filter((s) => s.name === "revoke.ledger_write");
    expect(writes.length).toBeGreaterThan(0);
    for (const span of writes) expect(parentOf(span)?.name).toBe("revoke.provider_call");
    expect(writes.reduce((sum, s) => sum + Number(s.attributes["warden.batch.items"]), 0)).toBe(3);
    expect(itemsUnderBatchSpans(writes, calls)).toHaveLength(3);
    expect(
      inTrace
        .filter((s) => s.name === "revoke.provider_call")
        .map((s) => s.attributes["warden.provider.outcome"]),
    ).toEqual(["revoked", "revoked", "revoked"]);

    const recorded = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]));
    for (const secret of [...tokens, CLIENT_SECRET, key, gateway.adminKey])
      expect(recorded).not.toContain(secret);
  });
});
