import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AccountsService } from "@warden/proto/accounts/v1";
import { AuditService } from "@warden/proto/audit/v1";
import { ConnectService } from "@warden/proto/connect/v1";
import { JobsService } from "@warden/proto/jobs/v1";
import { SweeperService } from "@warden/proto/sweeper/v1";

/** The services the dashboard calls, on the same origin that served it. */
export interface DashboardClients {
  jobs: Client<typeof JobsService>;
  accounts: Client<typeof AccountsService>;
  audit: Client<typeof AuditService>;
  connect: Client<typeof ConnectService>;
  /** Forwarded by the gateway to the sweeper; operator key only. */
  sweeper: Client<typeof SweeperService>;
}

/** Connect-web clients sending `key` as the bearer on every call. */
export function createClients(key: string): DashboardClients {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl: location.origin, interceptors: [bearer] });
  return {
    jobs: createClient(JobsService, transport),
    accounts: createClient(AccountsService, transport),
    audit: createClient(AuditService, transport),
    connect: createClient(ConnectService, transport),
    sweeper: createClient(SweeperService, transport),
  };
}
