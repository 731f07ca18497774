import { readdirSync } from "node:fs";
import path from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import { PROTO_ROOT } from "@warden/proto";
import { describe, expect, it } from "vitest";
import { actionOf, auditReasonOf } from "./audit-policy.js";

// Every service of every generated file, found on disk: a new .proto service
// is classified here without anyone editing this test.
async function everyService(): Promise<DescService[]> {
  const genRoot = path.join(PROTO_ROOT, "..", "shared", "proto", "src", "gen", "warden");
  const services: DescService[] = [];
  for (const area of readdirSync(genRoot)) {
    const dir = path.join(genRoot, area, "v1");
    for (const file of readdirSync(dir).filter((f) => f.endsWith("_pb.ts"))) {
      const module = (await import(path.join(dir, file))) as Record<string, unknown>;
      for (const value of Object.values(module))
        if ((value as DescService | undefined)?.kind === "service") services.push(value as DescService);
    }
  }
  return services;
}

// The RPCs that are NOT audited on success: reads that hand out no token.
// Adding an RPC whose name reads as a read (Get…, List…, Watch…) fails this
// test until it is listed here, so nobody ships a state-changing "Get" unaudited.
const UNAUDITED_READS = [
  "warden.accounts.v1.AccountsService/GetAuthConfig",
  "warden.accounts.v1.AccountsService/ListAuthConfigs",
  "warden.accounts.v1.AccountsService/ListProviders",
  "warden.accounts.v1.AccountsService/GetConnectedAccount",
  "warden.accounts.v1.AccountsService/ListConnectedAccounts",
  "warden.admin.v1.AdminService/ListApiKeys",
  "warden.audit.v1.AuditService/ListAuditEvents",
  "warden.connect.v1.ConnectService/GetConnectSession",
  "warden.jobs.v1.JobsService/GetRevokeJob",
  "warden.jobs.v1.JobsService/ListRevokeJobs",
  "warden.jobs.v1.JobsService/WatchRevokeJob",
  "warden.jobs.v1.JobsService/GetPoolStatus",
  "warden.leases.v1.LeasesService/GetLease",
  "warden.leases.v1.LeasesService/ListLeases",
  "warden.sweeper.v1.SweeperService/ListTasks",
];

describe("audit policy", () => {
  it("audits every RPC of every service except the listed reads, and token reads despite their names", async () => {
    const services = await everyService();
    expect(services.length).toBeGreaterThanOrEqual(8);
    const unaudited: string[] = [];
    const audited: Record<string, string> = {};
    for (const service of services)
      for (const method of service.methods) {
        const reason = auditReasonOf(method);
        if (reason) audited[actionOf(method)] = reason;
        else unaudited.push(actionOf(method));
      }
    expect(unaudited.sort()).toEqual([...UNAUDITED_READS].sort());
    expect(audited).toMatchObject({
      "warden.tokens.v1.TokensService/GetAccessToken": "token_read",
      "warden.tokens.v1.TokensService/RefreshAccessToken": "token_read",
      "warden.leases.v1.LeasesService/CheckoutAccount": "mutation",
      "warden.jobs.v1.JobsService/CreateRevokeJob": "mutation",
      "warden.admin.v1.AdminService/CreateApiKey": "mutation",
      "warden.sweeper.v1.SweeperService/RunTask": "mutation",
    });
  });
});
