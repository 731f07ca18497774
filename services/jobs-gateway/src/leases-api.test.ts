import { toJsonString } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { createAuthenticator } from "@warden/auth";
import { hashSecretToken } from "@warden/crypto";
import { AccountsService } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import {
  GetLeaseResponseSchema,
  LeaseSchema,
  LeasesService,
  LeaseStatus,
  ListLeasesResponseSchema,
} from "@warden/proto/leases/v1";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  codeOf,
  connectErrorOf,
  createAccount,
  createLeaseTenant,
  grpcLeaseDetails,
  recordLeaseEvents,
  type LeaseTenant,
} from "./lease-test-fixtures.js";
import { connectClient, grpcCaller } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let tenant: LeaseTenant;
let recorder: Awaited<ReturnType<typeof recordLeaseEvents>>;
/** Every lease token handed out in this file: none may appear anywhere else. */
const tokens: string[] = [];

/** The token-refresh service's view: an authenticator that accepts lease tokens. */
const leaseAuthenticator = () =>
  createAuthenticator({
    db: gateway.deps.db,
    adminKey: undefined,
    acceptLeaseTokens: true,
    apiKeyCacheMs: 0,
  });

async function checkout(accountId: string, holder: string, ttl = "1h", purpose = "") {
  const response = await tenant.leases.checkoutAccount({ accountId, holder, ttl, purpose });
  tokens.push(response.leaseToken);
  return { lease: response.lease!, token: response.leaseToken };
}

/** Makes a lease lapse as if its time had passed, without touching its status. */
async function backdate(leaseId: string) {
  await gateway.deps.db
    .updateTable("leases")
    .set({ expires_at: new Date(Date.now() - 1000), created_at: new Date(Date.now() - 7_200_000) })
    .where("id", "=", leaseId)
    .execute();
}

beforeAll(async () => {
  gateway = await startTestGateway({ label: "leases" });
  recorder = await recordLeaseEvents(gateway);
  tenant = await createLeaseTenant(gateway, "leasing");
}, 60_000);

afterAll(async () => {
  recorder?.stop();
  await gateway?.close();
});

describe("CheckoutAccount", () => {
  it("hands out a wls_ token once with an ACTIVE lease of the requested ttl, and stores only its hash", async () => {
    const before = Date.now();
    const { lease, token } = await checkout(tenant.accountIds[0]!, "agent-ttl", "45m", "nightly sync");
    expect(token).toMatch(/^wls_[A-Za-z0-9_-]{40,}$/);
    expect(lease).toMatchObject({
      accountId: tenant.accountIds[0],
      projectId: tenant.projectIds[0],
      holder: "agent-ttl",
      purpose: "nightly sync",
      status: LeaseStatus.ACTIVE,
    });
    expect(lease.id).toMatch(/^ls_/);
    const ttlMs = timestampDate(lease.expiresAt!).getTime() - timestampDate(lease.createdAt!).getTime();
    expect(ttlMs).toBe(45 * 60_000);
    expect(timestampDate(lease.createdAt!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    const row = await gateway.deps.db
      .selectFrom("leases")
      .selectAll()
      .where("id", "=", lease.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashSecretToken(token));
    expect(await leaseAuthenticator()(`Bearer ${token}`)).toMatchObject({
      kind: "lease",
      leaseId: lease.id,
      accountId: tenant.accountIds[0],
    });
  });

  it.each([
    ["0h", "ttl"],
    ["31d", "ttl"],
    ["abc", "ttl"],
    ["-5m", "ttl"],
    ["", "ttl"],
  ])("refuses ttl %j as INVALID_ARGUMENT naming the field", async (ttl, field) => {
    const error = await connectErrorOf(
      tenant.leases.checkoutAccount({ accountId: tenant.accountIds[0]!, holder: "bad-ttl", ttl }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage.startsWith(`${field} `)).toBe(true);
  });

  it("refuses a missing or overlong holder, an overlong purpose and a malformed account id, naming each field", async () => {
    const accountId = tenant.accountIds[0]!;
    const cases = [
      [{ accountId, holder: "", ttl: "1h" }, "holder"],
      [{ accountId, holder: "x".repeat(201), ttl: "1h" }, "holder"],
      [{ accountId, holder: "h", ttl: "1h", purpose: "p".repeat(501) }, "purpose"],
      [{ accountId: "ls_notanaccount", holder: "h", ttl: "1h" }, "account_id"],
      [{ accountId: "", holder: "h", ttl: "1h" }, "account_id"],
    ] as const;
    for (const [request, field] of cases) {
      const error = await connectErrorOf(tenant.leases.checkoutAccount(request));
      expect([field, error.code, error.rawMessage.startsWith(`${field} `)]).toEqual([
        field,
        Code.InvalidArgument,
        true,
      ]);
    }
    // 200 and 500 characters are still fine.
    const { lease } = await checkout(accountId, "h".repeat(200), "1m", "p".repeat(500));
    expect(lease.holder).toHaveLength(200);
  });

  it("a second checkout by the same holder is ALREADY_EXISTS carrying the active lease, for Connect and grpc-js alike", async () => {
    const accountId = tenant.accountIds[0]!;
    const { lease } = await checkout(accountId, "agent-dup");

    const connectError = await connectErrorOf(
      tenant.leases.checkoutAccount({ accountId, holder: "agent-dup", ttl: "2h" }),
    );
    expect(connectError.code).toBe(Code.AlreadyExists);
    const [fromConnect] = connectError.findDetails(LeaseSchema);
    expect(fromConnect).toMatchObject({ id: lease.id, holder: "agent-dup", status: LeaseStatus.ACTIVE });

    const { call, client } = grpcCaller("warden.leases.v1.LeasesService", gateway.port, tenant.key);
    try {
      const grpcError = (await call("CheckoutAccount", {
        account_id: accountId,
        holder: "agent-dup",
        ttl: "2h",
      }).catch((e: unknown) => e)) as grpc.ServiceError;
      expect(grpcError.code).toBe(grpc.status.ALREADY_EXISTS);
      expect(grpcLeaseDetails(grpcError).map((l) => [l.id, l.status])).toEqual([
        [lease.id, LeaseStatus.ACTIVE],
      ]);
      // Neither client learns a token from the refusal.
      expect(JSON.stringify(grpcError.metadata.getMap())).not.toContain("wls_");
    } finally {
      client.close();
    }
    expect(connectError.message).not.toContain("wls_");

    const rows = await gateway.deps.db
      .selectFrom("leases")
      .select("id")
      .where("account_id", "=", accountId)
      .where("holder", "=", "agent-dup")
      .execute();
    expect(rows.map((r) => r.id)).toEqual([lease.id]);
  });

  it("different holders may each lease the same account at once", async () => {
    const accountId = tenant.accountIds[0]!;
    const a = await checkout(accountId, "holder-a");
    const b = await checkout(accountId, "holder-b");
    expect(a.lease.id).not.toBe(b.lease.id);
    expect(a.token).not.toBe(b.token);
    expect([a.lease.status, b.lease.status]).toEqual([LeaseStatus.ACTIVE, LeaseStatus.ACTIVE]);
  });

  it("concurrent checkouts by one holder create exactly one lease; the rest get ALREADY_EXISTS with it", async () => {
    const accountId = tenant.accountIds[0]!;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        tenant.leases.checkoutAccount({ accountId, holder: "racer", ttl: "1h" }),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ lease?: { id: string }; leaseToken: string }>).value;
    tokens.push(winner.leaseToken);
    for (const result of results.filter((r) => r.status === "rejected")) {
      const error = await connectErrorOf(Promise.reject((result as PromiseRejectedResult).reason));
      expect(error.code).toBe(Code.AlreadyExists);
      expect(error.findDetails(LeaseSchema)[0]?.id).toBe(winner.lease!.id);
    }
  });

  it("an account that is not ACTIVE is FAILED_PRECONDITION; a deleted or unknown one is NOT_FOUND", async () => {
    const accountId = await createAccount(tenant.accounts, tenant.projectIds[0]!, "u-state");
    await gateway.deps.db
      .updateTable("connected_accounts")
      .set({ status: "needs_reconnect" })
      .where("id", "=", accountId)
      .execute();
    expect(await codeOf(tenant.leases.checkoutAccount({ accountId, holder: "h", ttl: "1h" }))).toBe(
      Code.FailedPrecondition,
    );
    await gateway.deps.db
      .updateTable("connected_accounts")
      .set({ status: "active" })
      .where("id", "=", accountId)
      .execute();
    await tenant.accounts.deleteConnectedAccount({ accountId });
    expect(await codeOf(tenant.leases.checkoutAccount({ accountId, holder: "h", ttl: "1h" }))).toBe(
      Code.NotFound,
    );
    expect(
      await codeOf(
        tenant.leases.checkoutAccount({ accountId: "ca_0000000000000000000000000a", holder: "h", ttl: "1h" }),
      ),
    ).toBe(Code.NotFound);
  });
});

describe("expiry", () => {
  it("a lapsed lease reads as EXPIRED before the sweeper marks it, stops authenticating, and never blocks a new checkout", async () => {
    const accountId = tenant.accountIds[0]!;
    const old = await checkout(accountId, "agent-lapse");
    await backdate(old.lease.id);

    const { lease: seen } = await tenant.leases.getLease({ leaseId: old.lease.id });
    expect(seen!.status).toBe(LeaseStatus.EXPIRED);
    expect(seen!.endedAt).toEqual(seen!.expiresAt);
    const active = await tenant.leases.listLeases({ accountId, status: LeaseStatus.ACTIVE, pageSize: 1000 });
    expect(active.leases.map((l) => l.id)).not.toContain(old.lease.id);
    const expired = await tenant.leases.listLeases({
      accountId,
      status: LeaseStatus.EXPIRED,
      pageSize: 1000,
    });
    expect(expired.leases.map((l) => l.id)).toContain(old.lease.id);
    await expect(leaseAuthenticator()(`Bearer ${old.token}`)).rejects.toMatchObject({
      kind: "unauthenticated",
    });
    expect(await codeOf(tenant.leases.checkinLease({ leaseId: old.lease.id }))).toBe(Code.FailedPrecondition);

    const fresh = await checkout(accountId, "agent-lapse");
    expect(fresh.lease.status).toBe(LeaseStatus.ACTIVE);
    const oldRow = await gateway.deps.db
      .selectFrom("leases")
      .selectAll()
      .where("id", "=", old.lease.id)
      .executeTakeFirstOrThrow();
    expect(oldRow.status).toBe("expired");
    await expect
      .poll(() => recorder.events.some((e) => e.event.lease?.id === old.lease.id && e.kind === "expired"))
      .toBe(true);
  });
});

describe("CheckinLease and RevokeLease", () => {
  it.each([
    ["checkinLease", LeaseStatus.CHECKED_IN],
    ["revokeLease", LeaseStatus.REVOKED],
  ] as const)("%s ends the lease: its token fails UNAUTHENTICATED at once", async (method, status) => {
    const { lease, token } = await checkout(tenant.accountIds[0]!, `agent-${method}`);
    const authenticate = leaseAuthenticator();
    expect(await authenticate(`Bearer ${token}`)).toMatchObject({ kind: "lease", leaseId: lease.id });

    const { lease: ended } = await tenant.leases[method]({ leaseId: lease.id });
    expect(ended!.status).toBe(status);
    expect(ended!.endedAt).toBeDefined();
    await expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({ kind: "unauthenticated" });
    expect((await tenant.leases.getLease({ leaseId: lease.id })).lease!.status).toBe(status);
  });

  it("ending a lease that is no longer active is FAILED_PRECONDITION carrying the lease as it stands", async () => {
    const { lease } = await checkout(tenant.accountIds[0]!, "agent-twice");
    await tenant.leases.checkinLease({ leaseId: lease.id });
    for (const again of [
      () => tenant.leases.checkinLease({ leaseId: lease.id }),
      () => tenant.leases.revokeLease({ leaseId: lease.id }),
    ]) {
      const error = await connectErrorOf(again());
      expect(error.code).toBe(Code.FailedPrecondition);
      expect(error.findDetails(LeaseSchema)[0]).toMatchObject({
        id: lease.id,
        status: LeaseStatus.CHECKED_IN,
      });
    }
    // The holder may check the account out again at once.
    expect((await checkout(tenant.accountIds[0]!, "agent-twice")).lease.status).toBe(LeaseStatus.ACTIVE);
  });

  it("validates lease ids: empty, malformed and other kinds are INVALID_ARGUMENT naming lease_id; unknown is NOT_FOUND", async () => {
    for (const leaseId of ["", "ls_", "nope", tenant.accountIds[0]!]) {
      for (const call of [tenant.leases.getLease, tenant.leases.checkinLease, tenant.leases.revokeLease]) {
        const error = await connectErrorOf(call({ leaseId }));
        expect([leaseId, error.code, error.rawMessage.startsWith("lease_id ")]).toEqual([
          leaseId,
          Code.InvalidArgument,
          true,
        ]);
      }
    }
    expect(await codeOf(tenant.leases.getLease({ leaseId: "ls_0000000000000000000000000a" }))).toBe(
      Code.NotFound,
    );
  });
});

describe("ListLeases", () => {
  it("pages with a keyset cursor, filters by account and status, and refuses a cursor issued for other filters", async () => {
    const accountId = await createAccount(tenant.accounts, tenant.projectIds[0]!, "u-list");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await checkout(accountId, `lister-${i}`)).lease.id);
    await tenant.leases.revokeLease({ leaseId: ids[4]! });

    const seen: string[] = [];
    let cursor = "";
    let pages = 0;
    do {
      const page = await tenant.leases.listLeases({ accountId, pageSize: 2, cursor });
      seen.push(...page.leases.map((l) => l.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].sort());
    expect(pages).toBe(3);

    const revoked = await tenant.leases.listLeases({ accountId, status: LeaseStatus.REVOKED });
    expect(revoked.leases.map((l) => l.id)).toEqual([ids[4]]);
    const active = await tenant.leases.listLeases({ accountId, status: LeaseStatus.ACTIVE });
    expect(active.leases.map((l) => l.id).sort()).toEqual(ids.slice(0, 4).sort());

    const first = await tenant.leases.listLeases({ accountId, pageSize: 2 });
    expect(
      await codeOf(
        tenant.leases.listLeases({ accountId, status: LeaseStatus.ACTIVE, cursor: first.nextCursor }),
      ),
    ).toBe(Code.InvalidArgument);
    expect(await codeOf(tenant.leases.listLeases({ cursor: first.nextCursor }))).toBe(Code.InvalidArgument);
    expect(await codeOf(tenant.leases.listLeases({ cursor: "garbage.cursor" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(tenant.leases.listLeases({ status: 99 as LeaseStatus }))).toBe(Code.InvalidArgument);
  });
});

describe("scopes and credentials", () => {
  it("reads need leases:read and writes leases:write (PERMISSION_DENIED otherwise)", async () => {
    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
    const { lease } = await checkout(tenant.accountIds[0]!, "agent-scopes");
    const readOnly = connectClient(
      LeasesService,
      gateway.url,
      (await admin.createApiKey({ orgId: tenant.orgId, scopes: ["leases:read"] })).apiKey,
    );
    const noLeases = connectClient(
      LeasesService,
      gateway.url,
      (await admin.createApiKey({ orgId: tenant.orgId, scopes: ["accounts:read", "tokens:read"] })).apiKey,
    );
    expect((await readOnly.getLease({ leaseId: lease.id })).lease!.id).toBe(lease.id);
    expect((await readOnly.listLeases({})).leases.length).toBeGreaterThan(0);
    for (const call of [
      () => readOnly.checkoutAccount({ accountId: tenant.accountIds[0]!, holder: "x", ttl: "1h" }),
      () => readOnly.checkinLease({ leaseId: lease.id }),
      () => readOnly.revokeLease({ leaseId: lease.id }),
      () => noLeases.getLease({ leaseId: lease.id }),
      () => noLeases.listLeases({}),
    ])
      expect(await codeOf(call())).toBe(Code.PermissionDenied);
    expect(await codeOf(connectClient(LeasesService, gateway.url, gateway.adminKey).listLeases({}))).toBe(
      Code.PermissionDenied,
    );
  });

  it("a lease token is not a credential for the gateway's own APIs: UNAUTHENTICATED everywhere", async () => {
    const { lease, token } = await checkout(tenant.accountIds[0]!, "agent-creds");
    const asLease = connectClient(LeasesService, gateway.url, token);
    expect(await codeOf(asLease.getLease({ leaseId: lease.id }))).toBe(Code.Unauthenticated);
    expect(await codeOf(asLease.listLeases({}))).toBe(Code.Unauthenticated);
    expect(await codeOf(asLease.checkinLease({ leaseId: lease.id }))).toBe(Code.Unauthenticated);
    expect(
      await codeOf(
        connectClient(AccountsService, gateway.url, token).getConnectedAccount({
          accountId: tenant.accountIds[0]!,
        }),
      ),
    ).toBe(Code.Unauthenticated);
    const { call, client } = grpcCaller("warden.leases.v1.LeasesService", gateway.port, token);
    try {
      const error = (await call("GetLease", { lease_id: lease.id }).catch(
        (e: unknown) => e,
      )) as grpc.ServiceError;
      expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
    // …while the lease itself is untouched and still works where it is meant to.
    expect((await tenant.leases.getLease({ leaseId: lease.id })).lease!.status).toBe(LeaseStatus.ACTIVE);
    expect(await leaseAuthenticator()(`Bearer ${token}`)).toMatchObject({ kind: "lease" });
  });
});

describe("events and secrecy", () => {
  it("publishes checked_out, checked_in and revoked LeaseEvents on events.lease.<id>.<kind>", async () => {
    const a = await checkout(tenant.accountIds[0]!, "agent-events-a");
    const b = await checkout(tenant.accountIds[0]!, "agent-events-b");
    await tenant.leases.checkinLease({ leaseId: a.lease.id });
    await tenant.leases.revokeLease({ leaseId: b.lease.id });
    const subject = (id: string, kind: string) => `${gateway.namespace}.events.lease.${id}.${kind}`;
    const expected = [
      subject(a.lease.id, "checked_out"),
      subject(b.lease.id, "checked_out"),
      subject(a.lease.id, "checked_in"),
      subject(b.lease.id, "revoked"),
    ];
    await expect
      .poll(() => expected.filter((s) => recorder.events.some((e) => e.subject === s)).length, {
        timeout: 15_000,
      })
      .toBe(expected.length);
    const checkedIn = recorder.events.find((e) => e.subject === subject(a.lease.id, "checked_in"))!;
    expect(checkedIn.event.lease).toMatchObject({
      id: a.lease.id,
      status: LeaseStatus.CHECKED_IN,
      holder: "agent-events-a",
    });
    expect(checkedIn.event.occurredAt).toBeDefined();
    const revoked = recorder.events.find((e) => e.subject === subject(b.lease.id, "revoked"))!;
    expect(revoked.event.lease!.status).toBe(LeaseStatus.REVOKED);
  });

  // Runs last in the file: it checks every token handed out above.
  it("no lease token (nor its hash) appears in a log line, an event, a Get/List response or any database column", async () => {
    expect(tokens.length).toBeGreaterThan(10);
    const hashes = tokens.map(hashSecretToken);
    const leaks = (text: string) => tokens.some((t) => text.includes(t));

    const logs = gateway.logLines.join("\n");
    expect(leaks(logs)).toBe(false);
    expect(hashes.some((h) => logs.includes(h))).toBe(false);

    expect(recorder.events.length).toBeGreaterThan(0);
    for (const { raw } of recorder.events) {
      const text = Buffer.from(raw).toString("latin1");
      expect(leaks(text) || hashes.some((h) => text.includes(h)) || text.includes("wls_")).toBe(false);
    }

    const listResponse = await tenant.leases.listLeases({ pageSize: 1000 });
    const listed = toJsonString(ListLeasesResponseSchema, listResponse);
    expect(listed).not.toContain("wls_");
    expect(hashes.some((h) => listed.includes(h))).toBe(false);
    expect(listResponse.leases.length).toBeGreaterThan(10);
    for (const { id } of listResponse.leases) {
      const got = toJsonString(GetLeaseResponseSchema, await tenant.leases.getLease({ leaseId: id }));
      expect(got.includes("wls_") || hashes.some((h) => got.includes(h))).toBe(false);
    }

    const { rows: tables } = await sql<{
      table_name: string;
    }>`select table_name from information_schema.tables where table_schema = ${gateway.namespace}`.execute(
      gateway.deps.db,
    );
    expect(tables.map((t) => t.table_name)).toContain("leases");
    for (const { table_name } of tables) {
      const { rows } = await sql<{
        row: string;
      }>`select t::text as row from ${sql.table(table_name)} t`.execute(gateway.deps.db);
      expect([table_name, rows.some((r) => leaks(r.row))]).toEqual([table_name, false]);
    }
  });
});
