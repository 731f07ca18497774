import { Code } from "@connectrpc/connect";
import { LeasesService, LeaseStatus } from "@warden/proto/leases/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, createLeaseTenant, type LeaseTenant } from "./lease-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let a: LeaseTenant;
let b: LeaseTenant;
/** A's lease on the account of its first project. */
let leaseId: string;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "leasetenancy" });
  a = await createLeaseTenant(gateway, "A", 2);
  b = await createLeaseTenant(gateway, "B");
  leaseId = (await a.leases.checkoutAccount({ accountId: a.accountIds[0]!, holder: "owner", ttl: "1h" }))
    .lease!.id;
}, 60_000);

afterAll(async () => {
  await gateway?.close();
});

/** Every LeasesService RPC that names one object, aimed at A's account and lease. */
function callsOn(
  client: ReturnType<typeof connectClient<typeof LeasesService>>,
  accountId: string,
  lease: string,
) {
  return {
    checkoutAccount: () => client.checkoutAccount({ accountId, holder: "intruder", ttl: "1h" }),
    getLease: () => client.getLease({ leaseId: lease }),
    checkinLease: () => client.checkinLease({ leaseId: lease }),
    revokeLease: () => client.revokeLease({ leaseId: lease }),
  };
}

describe("lease tenant isolation", () => {
  it("a key of org B gets NOT_FOUND on every LeasesService RPC for A's account and lease, and lists nothing of A's", async () => {
    for (const [name, call] of Object.entries(callsOn(b.leases, a.accountIds[0]!, leaseId))) {
      expect([name, await codeOf(call())]).toEqual([name, Code.NotFound]);
    }
    expect((await b.leases.listLeases({ accountId: a.accountIds[0]! })).leases).toEqual([]);
    expect((await b.leases.listLeases({})).leases).toEqual([]);
    // A's lease is untouched and B created nothing on A's account.
    expect((await a.leases.getLease({ leaseId })).lease!.status).toBe(LeaseStatus.ACTIVE);
    expect((await a.leases.listLeases({ accountId: a.accountIds[0]! })).leases.map((l) => l.id)).toEqual([
      leaseId,
    ]);
  });

  it("a key bound to one project cannot see or touch leases of the org's other project", async () => {
    const otherProjectLease = (
      await a.leases.checkoutAccount({ accountId: a.accountIds[1]!, holder: "owner", ttl: "1h" })
    ).lease!.id;
    const bound = connectClient(LeasesService, gateway.url, a.projectKey);
    for (const [name, call] of Object.entries(callsOn(bound, a.accountIds[1]!, otherProjectLease))) {
      expect([name, await codeOf(call())]).toEqual([name, Code.NotFound]);
    }
    expect((await bound.listLeases({})).leases.map((l) => l.id)).toEqual([leaseId]);
    expect((await bound.listLeases({ accountId: a.accountIds[1]! })).leases).toEqual([]);
    // Its own project's lease stays reachable.
    expect((await bound.getLease({ leaseId })).lease!.id).toBe(leaseId);
    expect((await a.leases.getLease({ leaseId: otherProjectLease })).lease!.status).toBe(LeaseStatus.ACTIVE);
  });

  it("a cursor issued to one tenant is INVALID_ARGUMENT for another", async () => {
    for (let i = 0; i < 3; i++)
      await a.leases.checkoutAccount({ accountId: a.accountIds[0]!, holder: `pager-${i}`, ttl: "1h" });
    const page = await a.leases.listLeases({ pageSize: 1 });
    expect(page.nextCursor).not.toBe("");
    expect(await codeOf(b.leases.listLeases({ pageSize: 1, cursor: page.nextCursor }))).toBe(
      Code.InvalidArgument,
    );
    const bound = connectClient(LeasesService, gateway.url, a.projectKey);
    expect(await codeOf(bound.listLeases({ pageSize: 1, cursor: page.nextCursor }))).toBe(
      Code.InvalidArgument,
    );
  });
});
