// End to end, as deployed: a jobs-gateway process and two revoke-executor
// processes on one namespace, driven only through the public API (Connect over
// HTTP/1.1), revoking at mock providers over real HTTP, observed by a plain
// NATS subscriber and the providers' own counters.
import { randomBytes } from "node:crypto";
import { create, fromBinary, toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { startMockProvider, type MockProvider, type SeedTokens } from "@warden/mock-provider";
import {
  AccountsService,
  AccountStatus,
  ClientAuth,
  ImportConnectedAccountsRequestSchema,
} from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { JobEventSchema } from "@warden/proto/events/v1";
import {
  GetRevokeJobResponseSchema,
  ItemFilter,
  ItemStatus,
  JobsService,
  JobStatus,
  ScopeKind,
  type RevokeItem,
  type RevokeJob,
} from "@warden/proto/jobs/v1";
import { FIGURES, waitFor } from "@warden/testkit";
import { connect, type NatsConnection, type Subscription } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../../jobs-gateway/src/test-clients.js";
import {
  findSecretsInLines,
  openE2eStack,
  type E2eStack,
  type NamedSecret,
  type RunningService,
} from "../../jobs-gateway/src/test-e2e-stack.js";
import { ALL_SCOPES } from "../../jobs-gateway/src/test-e2e-tenant.js";

// CI runs 5,000 accounts (the import through the API and the full ledger read scale with it);
// WARDEN_TEST_E2E_ACCOUNTS=20000 runs the first release's size.
const ACCOUNTS = Number(process.env.WARDEN_TEST_E2E_ACCOUNTS ?? 5_000);
const FLAKY_ACCOUNTS = 60;
// Fewer than the breaker's threshold (20 consecutive app-level failures): this test is about each
// refused item's own outcome and its retry; revoke-breaker.test.ts covers the breaker.
const FLAKY_FAILURES = 15;
const DELETED_PROJECT_ACCOUNTS = 30;

let stack: E2eStack;
let gateway: RunningService;
let provider: MockProvider;
let refusingProvider: MockProvider;
let nc: NatsConnection;
let completedSubscription: Subscription;
/** Every `completed` job event seen on core NATS, by subject. */
const completedEvents: { subject: string; job: RevokeJob }[] = [];
let orgId: string;
let orgKey: string;
const secrets: NamedSecret[] = [];

beforeAll(async () => {
  stack = openE2eStack("revoke_e2e");
  provider = await startMockProvider({ clientSecret: `good-secret-${randomBytes(12).toString("hex")}` });
  refusingProvider = await startMockProvider({
    clientSecret: `refusing-secret-${randomBytes(12).toString("hex")}`,
  });
  secrets.push(
    { label: "admin key", value: stack.adminKey },
    { label: "encryption key", value: stack.encryptionKey },
    { label: "client secret (good provider)", value: provider.clientSecret },
    { label: "client secret (refusing provider)", value: refusingProvider.clientSecret },
  );
  gateway = await stack.startGateway();
  await Promise.all([
    stack.startExecutor({ WARDEN_INSTANCE_ID: "e2e-executor-1" }),
    stack.startExecutor({ WARDEN_INSTANCE_ID: "e2e-executor-2" }),
  ]);

  // A plain core-NATS subscriber, as any other system would listen: no JetStream, no Warden code.
  nc = await connect({ servers: stack.urls.nats.split(","), name: `${stack.namespace}:e2e-listener` });
  completedSubscription = nc.subscribe(`${stack.namespace}.events.job.*.completed`, {
    callback: (error, msg) => {
      if (!error)
        completedEvents.push({ subject: msg.subject, job: fromBinary(JobEventSchema, msg.data).job! });
    },
  });
  await nc.flush();

  const admin = connectClient(AdminService, gateway.url, stack.adminKey);
  orgId = (await admin.createOrg({ name: "e2e revoke" })).org!.id;
  orgKey = (await admin.createApiKey({ orgId, scopes: ALL_SCOPES })).apiKey;
  secrets.push({ label: "org API key", value: orgKey });
}, 180_000);

afterAll(async () => {
  completedSubscription?.unsubscribe();
  await nc?.close();
  await stack?.close();
  await provider?.close();
  await refusingProvider?.close();
}, 120_000);

/** Creates a project and an auth config on `on` through the API. */
async function createProjectOn(on: MockProvider, name: string) {
  const admin = connectClient(AdminService, gateway.url, stack.adminKey);
  const project = (await admin.createProject({ orgId, name })).project!;
  const accounts = connectClient(AccountsService, gateway.url, orgKey);
  const authConfig = (
    await accounts.createAuthConfig({
      projectId: project.id,
      name: `${name} provider`,
      tokenUrl: on.tokenUrl,
      revokeUrl: on.revokeUrl,
      clientId: on.clientId,
      clientSecret: on.clientSecret,
      clientAuth: ClientAuth.BASIC,
    })
  ).authConfig!;
  return { projectId: project.id, authConfigId: authConfig.id };
}

/** Imports `count` accounts whose tokens `on` issued, through the client-streaming RPC. */
async function importAccounts(on: MockProvider, authConfigId: string, count: number): Promise<SeedTokens[]> {
  const tokens = Array.from({ length: count }, (_, i) => on.issueTokens({ subject: `user-${i}` }));
  for (const [i, t] of tokens.entries()) {
    secrets.push(
      { label: `access token #${i}`, value: t.access_token },
      { label: `refresh token #${i}`, value: t.refresh_token },
    );
  }
  const expiresAt = timestampFromDate(new Date(Date.now() + 3_600_000));
  async function* stream() {
    for (const [i, t] of tokens.entries()) {
      yield create(ImportConnectedAccountsRequestSchema, {
        authConfigId,
        externalUserId: `user-${i}`,
        accessToken: t.access_token,
        refreshToken: t.refresh_token,
        expiresAt,
      });
    }
  }
  const accounts = connectClient(AccountsService, gateway.url, orgKey);
  const imported = await accounts.importConnectedAccounts(stream(), { timeoutMs: 300_000 });
  expect(imported.created).toBe(count);
  return tokens;
}

/** Follows WatchRevokeJob until the server ends the stream; returns every state it sent. */
async function watchUntilEnd(jobId: string, timeoutMs: number): Promise<RevokeJob[]> {
  const jobs = connectClient(JobsService, gateway.url, orgKey);
  const states: RevokeJob[] = [];
  for await (const message of jobs.watchRevokeJob({ jobId }, { signal: AbortSignal.timeout(timeoutMs) })) {
    states.push(message.job!);
  }
  return states;
}

/** Every item of a job's ledger under `filter`, paged with the opaque cursor. */
async function ledger(jobId: string, filter: ItemFilter, pageSize: number) {
  const jobs = connectClient(JobsService, gateway.url, orgKey);
  const items: RevokeItem[] = [];
  let cursor = "";
  let pages = 0;
  do {
    const page = await jobs.getRevokeJob({ jobId, filter, pageSize, cursor });
    expect(findSecretsInLines([toJsonString(GetRevokeJobResponseSchema, page)], secrets)).toEqual([]);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== "");
  return { items, pages };
}

/** Statuses of every account of an auth config, paged through ListConnectedAccounts. */
async function accountStatuses(authConfigId: string): Promise<Map<string, AccountStatus>> {
  const accounts = connectClient(AccountsService, gateway.url, orgKey);
  const statuses = new Map<string, AccountStatus>();
  let cursor = "";
  do {
    const page = await accounts.listConnectedAccounts({ authConfigId, pageSize: 1000, cursor });
    for (const account of page.accounts) statuses.set(account.externalUserId, account.status);
    cursor = page.nextCursor;
  } while (cursor !== "");
  return statuses;
}

function expectCountsAddUp(job: RevokeJob): void {
  const c = job.counts!;
  expect(c.pending).toBe(c.total - c.revoked - c.failed - c.skipped - c.cancelled);
}

async function completedEventOf(jobId: string): Promise<RevokeJob[]> {
  await waitFor(() => completedEvents.some((e) => e.job.id === jobId), {
    message: `a completed event for ${jobId} on core NATS`,
    timeoutMs: 30_000,
  });
  const events = completedEvents.filter((e) => e.job.id === jobId);
  for (const event of events) expect(event.subject).toBe(`${stack.namespace}.events.job.${jobId}.completed`);
  return events.map((e) => e.job);
}

describe("revoke jobs end to end (gateway + 2 executors as processes)", () => {
  it(`revokes a ${ACCOUNTS.toLocaleString("en")}-account project through the API: each account once at the provider, counts add up, completed on NATS`, async ({
    annotate,
  }) => {
    const started = Date.now();
    const { projectId, authConfigId } = await createProjectOn(provider, "big");
    const tokens = await importAccounts(provider, authConfigId, ACCOUNTS);
    const imported = Date.now();

    const jobs = connectClient(JobsService, gateway.url, orgKey);
    const { job: created } = await jobs.createRevokeJob({
      scope: { kind: ScopeKind.PROJECT, id: projectId },
    });
    expect(created!.id).toMatch(/^pj_/);
    expect(created!.status).toBe(JobStatus.PLANNING);

    const states = await watchUntilEnd(created!.id, 600_000);
    const finished = Date.now();
    const last = states.at(-1)!;
    expect(last.status).toBe(JobStatus.COMPLETED);
    expect(last.counts).toMatchObject({
      total: BigInt(ACCOUNTS),
      revoked: BigInt(ACCOUNTS),
      pending: 0n,
      failed: 0n,
      skipped: 0n,
      cancelled: 0n,
    });
    for (const state of states) expectCountsAddUp(state);
    // Progress is monotone across the stream.
    for (let i = 1; i < states.length; i++) {
      expect(states[i]!.counts!.revoked).toBeGreaterThanOrEqual(states[i - 1]!.counts!.revoked);
    }

    // The provider saw every account's refresh token revoked exactly once, and nothing else.
    let notOnce = 0;
    for (const t of tokens) if (provider.revokeCount(t.refresh_token) !== 1) notOnce++;
    expect(notOnce).toBe(0);
    expect(provider.counters.revocationsByToken.size).toBe(ACCOUNTS);
    expect(provider.counters.revokeSuccesses).toBe(ACCOUNTS);

    // The ledger agrees, item by item.
    const all = await ledger(created!.id, ItemFilter.ALL, 1000);
    expect(all.items).toHaveLength(ACCOUNTS);
    expect(new Set(all.items.map((i) => i.connectedAccountId)).size).toBe(ACCOUNTS);
    expect(all.items.every((i) => i.status === ItemStatus.REVOKED)).toBe(true);
    expect((await ledger(created!.id, ItemFilter.FAILED, 1000)).items).toHaveLength(0);

    const events = await completedEventOf(created!.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.status).toBe(JobStatus.COMPLETED);
    expect(events[0]!.counts!.revoked).toBe(BigInt(ACCOUNTS));

    const statuses = await accountStatuses(authConfigId);
    expect(statuses.size).toBe(ACCOUNTS);
    expect([...statuses.values()].every((s) => s === AccountStatus.REVOKED)).toBe(true);

    const { rows } = await stack.database.pool.query(
      `select count(*)::int as n from connected_accounts where project_id = $1
         and (access_token_ciphertext is not null or refresh_token_ciphertext is not null or revoked_upstream_at is null)`,
      [projectId],
    );
    expect(rows[0].n).toBe(0);
    await annotate(
      `revoke e2e: imported ${ACCOUNTS} accounts in ${imported - started} ms; ` +
        `revoke job created → completed in ${finished - imported} ms ` +
        `(${Math.round(ACCOUNTS / ((finished - imported) / 1000))} accounts/s); ${states.length} watch messages`,
      FIGURES,
    );
  }, 900_000);

  it("fails items whose provider answers 401 invalid_client, pages them, and a retry after the fix revokes exactly those", async () => {
    const { projectId, authConfigId } = await createProjectOn(refusingProvider, "refusing");
    const tokens = await importAccounts(refusingProvider, authConfigId, FLAKY_ACCOUNTS);
    const byRefresh = new Map(tokens.map((t, i) => [t.refresh_token, `user-${i}`]));
    // The first FLAKY_FAILURES revoke calls are refused as a misconfigured client; the rest succeed.
    refusingProvider.configure({
      forceError: {
        revoke: {
          status: 401,
          error: "invalid_client",
          errorDescription: "client authentication failed",
          times: FLAKY_FAILURES,
        },
      },
    });

    const jobs = connectClient(JobsService, gateway.url, orgKey);
    const { job: created } = await jobs.createRevokeJob({
      scope: { kind: ScopeKind.PROJECT, id: projectId },
    });
    const first = (await watchUntilEnd(created!.id, 180_000)).at(-1)!;
    expect(first.status).toBe(JobStatus.COMPLETED_WITH_FAILURES);
    expect(first.counts).toMatchObject({
      total: BigInt(FLAKY_ACCOUNTS),
      failed: BigInt(FLAKY_FAILURES),
      revoked: BigInt(FLAKY_ACCOUNTS - FLAKY_FAILURES),
      pending: 0n,
    });
    expect((await completedEventOf(created!.id)).length).toBe(1);

    // The failed filter pages exactly the refused items, with the provider's code.
    const failed = await ledger(created!.id, ItemFilter.FAILED, 10);
    expect(failed.pages).toBe(Math.ceil(FLAKY_FAILURES / 10));
    expect(failed.items).toHaveLength(FLAKY_FAILURES);
    expect(new Set(failed.items.map((i) => i.connectedAccountId)).size).toBe(FLAKY_FAILURES);
    for (const item of failed.items) {
      expect(item).toMatchObject({
        status: ItemStatus.FAILED,
        errorCode: "invalid_client",
        wipedLocally: false,
      });
    }
    const failedIds = new Set(failed.items.map((i) => i.connectedAccountId));
    const refusedTokens = [...byRefresh.keys()].filter((rt) => refusingProvider.revokeCount(rt) === 0);
    expect(refusedTokens).toHaveLength(FLAKY_FAILURES);

    // Fix the provider, then retry: run 2 calls the provider for the refused tokens only.
    refusingProvider.configure({ forceError: { revoke: null } });
    const callsBefore = new Map(refusingProvider.counters.revokeCallsByToken);
    const revokeCallsBefore = refusingProvider.counters.revokeCalls;
    const { job: retried } = await jobs.retryRevokeJob({ jobId: created!.id });
    expect(retried!.run).toBe(2);
    const second = (await watchUntilEnd(created!.id, 180_000)).at(-1)!;
    expect(second.status).toBe(JobStatus.COMPLETED);
    expect(second.run).toBe(2);
    expect(second.counts).toMatchObject({
      total: BigInt(FLAKY_ACCOUNTS),
      revoked: BigInt(FLAKY_ACCOUNTS),
      failed: 0n,
      pending: 0n,
    });
    expectCountsAddUp(second);
    expect(refusingProvider.counters.revokeCalls - revokeCallsBefore).toBe(FLAKY_FAILURES);
    const calledInRetry = [...refusingProvider.counters.revokeCallsByToken].filter(
      ([token, n]) => n > (callsBefore.get(token) ?? 0),
    );
    expect(calledInRetry.map(([token]) => token).sort()).toEqual([...refusedTokens].sort());
    for (const t of tokens) expect(refusingProvider.revokeCount(t.refresh_token)).toBe(1);

    // The ledger's retried items are the ones that failed, now REVOKED in run 2.
    const after = await ledger(created!.id, ItemFilter.ALL, 100);
    for (const item of after.items) expect(item.status).toBe(ItemStatus.REVOKED);
    expect((await ledger(created!.id, ItemFilter.FAILED, 10)).items).toHaveLength(0);
    const retriedItems = after.items.filter((i) => failedIds.has(i.connectedAccountId));
    expect(retriedItems).toHaveLength(FLAKY_FAILURES);
    await waitFor(() => completedEvents.filter((e) => e.job.id === created!.id).length >= 2, {
      message: "a completed event for the retry run",
      timeoutMs: 30_000,
    });
    const statuses = await accountStatuses(authConfigId);
    expect([...statuses.values()].every((s) => s === AccountStatus.REVOKED)).toBe(true);
  }, 300_000);

  it("a 600-item job of which the provider refuses 408 reads COMPLETED_WITH_FAILURES in the API, the watch and the event; the breaker bounds the refused calls", async () => {
    // The operator's report: one project, two auth configs, two thirds of the accounts on a
    // provider that refuses the client. The status is derived once (completed with failed > 0).
    const { projectId, authConfigId: goodId } = await createProjectOn(provider, "mixed");
    const accounts = connectClient(AccountsService, gateway.url, orgKey);
    const refusing = (
      await accounts.createAuthConfig({
        projectId,
        name: "refusing provider",
        tokenUrl: refusingProvider.tokenUrl,
        revokeUrl: refusingProvider.revokeUrl,
        clientId: refusingProvider.clientId,
        clientSecret: refusingProvider.clientSecret,
        clientAuth: ClientAuth.BASIC,
      })
    ).authConfig!;
    await importAccounts(provider, goodId, 192);
    await importAccounts(refusingProvider, refusing.id, 408);
    refusingProvider.configure({
      forceError: { revoke: { status: 401, error: "invalid_client", errorDescription: "bad client" } },
    });
    const refusedBefore = refusingProvider.counters.revokeCalls;
    try {
      const jobs = connectClient(JobsService, gateway.url, orgKey);
      const { job: created } = await jobs.createRevokeJob({
        scope: { kind: ScopeKind.PROJECT, id: projectId },
      });
      const watched = (await watchUntilEnd(created!.id, 180_000)).at(-1)!;
      expect(JobStatus[watched.status]).toBe("COMPLETED_WITH_FAILURES");
      expect(watched.counts).toMatchObject({ total: 600n, revoked: 192n, failed: 408n, pending: 0n });
      const { job: got } = await jobs.getRevokeJob({ jobId: created!.id, pageSize: 1 });
      expect(JobStatus[got!.status]).toBe("COMPLETED_WITH_FAILURES");
      const listed = await jobs.listRevokeJobs({ status: JobStatus.COMPLETED_WITH_FAILURES });
      expect(listed.jobs.map((j) => j.id)).toContain(created!.id);
      const [event] = await completedEventOf(created!.id);
      expect(JobStatus[event!.status]).toBe("COMPLETED_WITH_FAILURES");
      expect(event!.counts).toMatchObject({ total: 600n, failed: 408n });
      // Not one call per refused account: the breaker (20 consecutive app-level failures per job and
      // auth config) ends the rest without calling. Calls already in flight when it opens still land:
      // at most threshold + replicas × per-auth-config slots − 1, as revoke-breaker.ts documents.
      const refusedCalls = refusingProvider.counters.revokeCalls - refusedBefore;
      expect(refusedCalls).toBeGreaterThanOrEqual(20);
      expect(refusedCalls).toBeLessThanOrEqual(20 + 2 * 32 - 1);
    } finally {
      refusingProvider.configure({ forceError: { revoke: null } });
    }
  }, 300_000);

  it("DeleteProject{revoke_on_delete} returns a job id that completes, revoking every account upstream", async () => {
    const { projectId, authConfigId } = await createProjectOn(provider, "doomed");
    const tokens = await importAccounts(provider, authConfigId, DELETED_PROJECT_ACCOUNTS);

    const admin = connectClient(AdminService, gateway.url, stack.adminKey);
    const deleted = await admin.deleteProject({ projectId, revokeOnDelete: true });
    expect(deleted.jobId).toMatch(/^pj_/);
    expect(deleted.project!.deletedAt).toBeDefined();

    const last = (await watchUntilEnd(deleted.jobId, 180_000)).at(-1)!;
    expect(last.status).toBe(JobStatus.COMPLETED);
    expect(last.scope).toMatchObject({ kind: ScopeKind.PROJECT, id: projectId });
    expect(last.counts).toMatchObject({
      total: BigInt(DELETED_PROJECT_ACCOUNTS),
      revoked: BigInt(DELETED_PROJECT_ACCOUNTS),
      pending: 0n,
    });
    for (const t of tokens) expect(provider.revokeCount(t.refresh_token)).toBe(1);
    expect((await completedEventOf(deleted.jobId)).length).toBe(1);

    const { rows } = await stack.database.pool.query(
      `select count(*)::int as n,
              count(*) filter (where access_token_ciphertext is null and refresh_token_ciphertext is null
                               and revoked_upstream_at is not null)::int as wiped
         from connected_accounts where project_id = $1`,
      [projectId],
    );
    expect(rows[0]).toEqual({ n: DELETED_PROJECT_ACCOUNTS, wiped: DELETED_PROJECT_ACCOUNTS });
  }, 300_000);

  it("never logs a token, client secret, API key or the encryption key in any process", async () => {
    const codes = await stack.stopAll();
    const lines = stack.logs();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).toContain("revoke job completed");
    expect(findSecretsInLines(lines, secrets)).toEqual([]);
    // SIGTERM is a graceful shutdown for every service.
    for (const [name, code] of Object.entries(codes)) expect({ name, code }).toEqual({ name, code: 0 });
  }, 120_000);
});
