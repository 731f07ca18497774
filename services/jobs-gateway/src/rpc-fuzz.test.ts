// Hostile input on every RPC of every service port, over every wire protocol:
// no request, however malformed, may be answered INTERNAL, UNKNOWN, HTTP 500,
// a reset or silence; none may crash a service; none that is refused may
// leave a row. The RPCs come from the generated descriptors (rpc-fuzz-targets),
// the requests from a seeded generator (rpc-fuzz-inputs).
//
// Knobs: WARDEN_FUZZ_RUNS requests per RPC per protocol (CI default below),
// WARDEN_FUZZ_SEED to replay a run. A long run:
//   WARDEN_FUZZ_RUNS=300 pnpm exec vitest run services/jobs-gateway/src/rpc-fuzz.test.ts
import http2 from "node:http2";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { AccountsService, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { Health, HealthCheckResponse_ServingStatus } from "@warden/proto/health/v1";
import { JobsService, ScopeKind } from "@warden/proto/jobs/v1";
import { LeasesService } from "@warden/proto/leases/v1";
import { SweeperService } from "@warden/proto/sweeper/v1";
import { TokensService } from "@warden/proto/tokens/v1";
import { rawGrpcCall, rawHttp1Call, type RawOutcome, type RawProtocol } from "@warden/rpc/raw-rpc-call";
import { DIAGNOSTICS, FIGURES, freePort, type Annotate } from "@warden/testkit";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzCall, REFUSED_KINDS, type BodyKind, type FuzzPools } from "./rpc-fuzz-inputs.js";
import { generatedServices, methodLabel, servedServices } from "./rpc-fuzz-targets.js";
import { connectClient } from "./test-clients.js";
import { findSecretsInLines, openE2eStack, type E2eStack, type RunningService } from "./test-e2e-stack.js";

// Per RPC, per protocol and per phase (three phases). The CI default keeps
// the file near a minute on two loaded cores (3 × 4 × 3 × 40 RPCs ≈ 1,440
// requests; measured ~16 requests/s there with a 2.5 MB body per RPC and
// protocol in each refusing phase). Long runs: WARDEN_FUZZ_RUNS=300.
const RUNS = Number(process.env.WARDEN_FUZZ_RUNS ?? 3);
const SEED = Number(process.env.WARDEN_FUZZ_SEED ?? 20_261_130);
const CONCURRENCY = 12;
const PROTOCOLS: RawProtocol[] = ["grpc", "grpc-web", "connect-proto", "connect-json"];
const ALL_SCOPES = [
  "accounts:read",
  "accounts:write",
  "jobs:read",
  "jobs:write",
  "leases:read",
  "leases:write",
  "tokens:read",
];

interface Target {
  port: string;
  url: string;
  method: DescMethod;
}

interface Finding {
  target: string;
  protocol: RawProtocol;
  kind: BodyKind;
  credential: string;
  index: number;
  outcome: RawOutcome;
}

let stack: E2eStack;
let services: Record<string, RunningService>;
let targets: Target[];
const sessions = new Map<string, http2.ClientHttp2Session>();
const sessionEvents: string[] = [];
const pools: FuzzPools = { ids: [] };
const credentials: Record<string, string | undefined> = { none: undefined, garbage: "Bearer wk_garbage" };
const secrets: { label: string; value: string }[] = [];
let liveness: { apiKey: string; accountId: string; accessToken: string };

beforeAll(async () => {
  stack = openE2eStack("fuzz", "info");
  // The gateway forwards SweeperService to this sweeper, which starts after it (the gateway migrates).
  const sweeperPort = String(await freePort());
  const gateway = await stack.startGateway({ WARDEN_SWEEPER_URL: `http://127.0.0.1:${sweeperPort}` });
  const [tokens, sweeper] = await Promise.all([
    stack.startTokenRefresh(),
    stack.startSweeper({ WARDEN_SWEEPER_PORT: sweeperPort }),
  ]);
  services = { gateway, "token-refresh": tokens, sweeper };

  // The fuzzed tenant: its ids feed the generator so calls get past id checks.
  const tenant = await createTenant(gateway.url, "fuzzed");
  pools.ids.push(...tenant.ids);
  credentials.admin = `Bearer ${stack.adminKey}`;
  credentials["api-key"] = `Bearer ${tenant.apiKey}`;
  // A second tenant no fuzzed call knows of, to show the services still work afterwards.
  liveness = await createTenant(gateway.url, "liveness");
  secrets.push(
    { label: "admin key", value: stack.adminKey },
    { label: "fuzzed api key", value: tenant.apiKey },
    { label: "liveness api key", value: liveness.apiKey },
    { label: "liveness access token", value: liveness.accessToken },
    { label: "refresh token", value: tenant.refreshToken },
  );

  const all = await generatedServices();
  targets = [];
  for (const [port, service] of Object.entries(services)) {
    for (const served of await servedServices(service.url, all))
      for (const method of served.methods) targets.push({ port, url: service.url, method });
  }
}, 240_000);

afterAll(async () => {
  for (const session of sessions.values()) session.close();
  await stack?.close();
});

async function createTenant(url: string, name: string) {
  const admin = connectClient(AdminService, url, stack.adminKey);
  const orgId = (await admin.createOrg({ name })).org!.id;
  const projectId = (await admin.createProject({ orgId, name })).project!.id;
  const { apiKey, keyId } = await admin.createApiKey({ orgId, scopes: ALL_SCOPES });
  const accounts = connectClient(AccountsService, url, apiKey);
  const authConfigId = (
    await accounts.createAuthConfig({
      projectId,
      name,
      tokenUrl: "https://provider.example.com/token",
      clientId: "client",
      clientSecret: `secret-${name}-${keyId}`,
      clientAuth: ClientAuth.POST,
    })
  ).authConfig!.id;
  const accessToken = `at-${name}-${keyId}-fuzz`;
  const refreshToken = `rt-${name}-${keyId}-fuzz`;
  const accountId = (
    await accounts.createConnectedAccount({
      authConfigId,
      externalUserId: "user-1",
      accessToken,
      refreshToken,
      expiresAt: timestampFromDate(new Date(Date.now() + 7 * 24 * 3_600_000)),
    })
  ).account!.id;
  const leaseId = (
    await connectClient(LeasesService, url, apiKey).checkoutAccount({ accountId, holder: "fuzz", ttl: "1h" })
  ).lease!.id;
  const jobId = (
    await connectClient(JobsService, url, apiKey).createRevokeJob({
      scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: accountId },
    })
  ).job!.id;
  return {
    apiKey,
    accountId,
    accessToken,
    refreshToken,
    ids: [orgId, projectId, keyId, authConfigId, accountId, leaseId, jobId],
  };
}

function send(target: Target, call: Parameters<typeof rawGrpcCall>[1]): Promise<RawOutcome> {
  if (call.protocol !== "grpc") return rawHttp1Call(target.url, call);
  let session = sessions.get(target.url);
  if (!session || session.closed || session.destroyed) {
    session = http2.connect(target.url, { maxSessionMemory: 512 });
    const opened = session;
    session.on("error", (error) => sessionEvents.push(`${target.url} error ${String(error)}`));
    session.on("goaway", (code) => sessionEvents.push(`${target.url} goaway ${code}`));
    session.on("frameError", (type, code) => sessionEvents.push(`${target.url} frameError ${type} ${code}`));
    session.on("close", () => sessionEvents.push(`${target.url} close destroyed=${opened.destroyed}`));
    sessions.set(target.url, session);
  }
  return rawGrpcCall(session, call);
}

/** True for what no input may ever produce. */
function forbidden(outcome: RawOutcome): boolean {
  return (
    outcome.code === Code.Internal ||
    outcome.code === Code.Unknown ||
    outcome.code === "reset" ||
    outcome.code === "no-status" ||
    outcome.httpStatus === 500
  );
}

async function runAll<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Runs RUNS calls per target and protocol; returns the findings and a count per outcome code. */
async function fuzz(phase: number, kinds: BodyKind[], credentialNames: string[]) {
  const findings: Finding[] = [];
  const codes = new Map<string, number>();
  const slowest = new Map<string, number>();
  const jobs: Array<{ target: Target; protocol: RawProtocol; index: number; g: fc.GeneratorValue }> = [];
  for (const [t, target] of targets.entries()) {
    for (const [p, protocol] of PROTOCOLS.entries()) {
      // One seed per (phase, target, protocol): a finding replays without the rest of the run.
      const draws = fc.sample(fc.gen(), { seed: SEED + phase * 1_000_003 + t * 101 + p, numRuns: RUNS });
      draws.forEach((g, index) => jobs.push({ target, protocol, index, g }));
    }
  }
  await runAll(jobs, async ({ target, protocol, index, g }) => {
    const { kind, call } = fuzzCall(g, target.method, protocol, kinds, pools, index);
    const credential = g(fc.constantFrom, ...credentialNames);
    const header = credentials[credential];
    if (header) call.headers = { ...call.headers, authorization: header };
    const sent = Date.now();
    const outcome = await send(target, call);
    const took = Date.now() - sent;
    const slowKey = `${protocol}/${kind}`;
    slowest.set(slowKey, Math.max(slowest.get(slowKey) ?? 0, took));
    const key = typeof outcome.code === "number" ? (Code[outcome.code] ?? "OK") : outcome.code;
    codes.set(key, (codes.get(key) ?? 0) + 1);
    if (forbidden(outcome))
      findings.push({ target: methodLabel(target.method), protocol, kind, credential, index, outcome });
  });
  return { findings, codes, slowest, requests: jobs.length };
}

/**
 * Row counts of every table in the run's schema, except those that change on
 * their own: the audit log (a refused call is meant to write it), the
 * sweeper's run history and any outbox (its relay drains it).
 */
async function rowCounts(): Promise<Record<string, number>> {
  const db = stack.database.db;
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = ${stack.namespace} and table_type = 'BASE TABLE'`.execute(db);
  const counts: Record<string, number> = {};
  for (const { table_name } of rows) {
    if (/audit|outbox|sweeper_task_runs|kysely_migration/.test(table_name)) continue;
    const { rows: counted } = await sql<{ n: number }>`
      select count(*)::int n from ${sql.table(`${stack.namespace}.${table_name}`)}`.execute(db);
    counts[table_name] = counted[0]!.n;
  }
  return counts;
}

async function report(
  annotate: Annotate,
  label: string,
  result: Awaited<ReturnType<typeof fuzz>>,
  ms: number,
): Promise<void> {
  const perRpc = RUNS;
  // A broken client session resets every call on it: its events say whether the server sent GOAWAY.
  if (sessionEvents.length)
    await annotate(`client h2 session events: ${sessionEvents.slice(0, 30).join("; ")}`, DIAGNOSTICS);
  await annotate(
    `${label}: ${result.requests} requests (${perRpc} per RPC per protocol, ${targets.length} RPCs, seed ${SEED}) in ${(ms / 1000).toFixed(1)} s; outcomes ${JSON.stringify(Object.fromEntries(result.codes))}; slowest ms ${JSON.stringify(Object.fromEntries(result.slowest))}`,
    FIGURES,
  );
}

describe("every RPC on every port and protocol survives hostile input", () => {
  it("enumerates RPCs of every service port from the descriptors", () => {
    const ports = new Set(targets.map((t) => t.port));
    expect([...ports].sort()).toEqual(["gateway", "sweeper", "token-refresh"]);
    const labels = targets.map((t) => methodLabel(t.method));
    expect(labels).toContain("warden.tokens.v1.TokensService/GetAccessToken");
    expect(labels).toContain("warden.sweeper.v1.SweeperService/RunTask");
    // The gateway forwards SweeperService (for its dashboard): fuzzed there too, through to the sweeper.
    const onGateway = targets.filter((t) => t.port === "gateway").map((t) => methodLabel(t.method));
    expect(onGateway).toContain("warden.sweeper.v1.SweeperService/RunTask");
    expect(onGateway).toContain("warden.sweeper.v1.SweeperService/ListTasks");
    expect(labels).toContain("warden.accounts.v1.AccountsService/ImportConnectedAccounts");
    expect(labels).toContain("grpc.health.v1.Health/Watch");
  });

  it("refuses undecodable, oversized and control-character requests (any credential) without a row", async ({
    annotate,
  }) => {
    const before = await rowCounts();
    const started = Date.now();
    const result = await fuzz(1, [...REFUSED_KINDS, "random-bytes", "mutated"], ["none", "garbage"]);
    const withKeysStarted = Date.now();
    const withKeys = await fuzz(2, REFUSED_KINDS, ["admin", "api-key"]);
    await report(annotate, "refused", result, withKeysStarted - started);
    await report(annotate, "refused, valid credentials", withKeys, Date.now() - withKeysStarted);
    expect([...result.findings, ...withKeys.findings].slice(0, 20)).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  }, 600_000);

  it("answers mutated and plausible messages with real ids and keys without INTERNAL, UNKNOWN, 500 or a reset", async ({
    annotate,
  }) => {
    const started = Date.now();
    const result = await fuzz(3, ["mutated", "plausible", "random-bytes"], ["admin", "api-key", "none"]);
    await report(annotate, "plausible", result, Date.now() - started);
    expect(result.findings.slice(0, 20)).toEqual([]);
  }, 600_000);

  it("leaves every service running and answering normally", async () => {
    for (const service of Object.values(services)) {
      const exited = await Promise.race([service.process.exited.then(() => true), Promise.resolve(false)]);
      expect(exited, `${service.process.name} exited`).toBe(false);
    }
    const gateway = services.gateway!;
    const org = await connectClient(AdminService, gateway.url, stack.adminKey).createOrg({ name: "after" });
    expect(org.org?.name).toBe("after");
    const token = await connectClient(
      TokensService,
      services["token-refresh"]!.url,
      liveness.apiKey,
    ).getAccessToken({
      accountId: liveness.accountId,
    });
    expect(token.accessToken).toBe(liveness.accessToken);
    const tasks = await connectClient(SweeperService, services.sweeper!.url, stack.adminKey).listTasks({});
    expect(tasks.tasks.length).toBeGreaterThan(0);
    const forwarded = await connectClient(SweeperService, gateway.url, stack.adminKey).listTasks({});
    expect(forwarded.tasks.map((t) => t.name)).toEqual(tasks.tasks.map((t) => t.name));
    for (const service of Object.values(services)) {
      const health = await connectClient(Health, service.url).check({ service: "" });
      expect(health.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
  });

  it("logged no unhandled error, crash or secret along the way", () => {
    const logs = stack.logs();
    expect(logs.filter((line) => /unhandled|uncaught|"level":(50|60)/.test(line)).slice(0, 5)).toEqual([]);
    expect(findSecretsInLines(logs, secrets)).toEqual([]);
  });
});
