import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AccountsService } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { ConnectService } from "@warden/proto/connect/v1";
import { AuditService } from "@warden/proto/audit/v1";
import { JobsService } from "@warden/proto/jobs/v1";
import { LeasesService } from "@warden/proto/leases/v1";
import { TokensService } from "@warden/proto/tokens/v1";

/** Where to reach Warden and with which bearer key. */
export interface Endpoints {
  gatewayUrl: string;
  tokensUrl: string;
  key: string;
}

/** Typed Connect clients for every service the CLI calls. */
export interface RpcClients {
  readonly admin: Client<typeof AdminService>;
  readonly accounts: Client<typeof AccountsService>;
  readonly jobs: Client<typeof JobsService>;
  readonly leases: Client<typeof LeasesService>;
  readonly tokens: Client<typeof TokensService>;
  readonly connect: Client<typeof ConnectService>;
  readonly audit: Client<typeof AuditService>;
}

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:7070";
export const DEFAULT_TOKENS_URL = "http://127.0.0.1:7071";

function bearer(key: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
}

/** Connect-over-HTTP/1.1 clients, one transport per base URL, each call carrying the key. */
export function createRpcClients(endpoints: Endpoints): RpcClients {
  const transports = new Map<string, Transport>();
  const transport = (baseUrl: string): Transport => {
    let t = transports.get(baseUrl);
    if (!t) {
      t = createConnectTransport({
        baseUrl,
        httpVersion: "1.1",
        useBinaryFormat: true,
        interceptors: [bearer(endpoints.key)],
      });
      transports.set(baseUrl, t);
    }
    return t;
  };
  const client = <S extends DescService>(service: S, baseUrl: string) =>
    createClient(service, transport(baseUrl));
  return {
    get admin() {
      return client(AdminService, endpoints.gatewayUrl);
    },
    get accounts() {
      return client(AccountsService, endpoints.gatewayUrl);
    },
    get jobs() {
      return client(JobsService, endpoints.gatewayUrl);
    },
    get leases() {
      return client(LeasesService, endpoints.gatewayUrl);
    },
    get tokens() {
      return client(TokensService, endpoints.tokensUrl);
    },
    get connect() {
      return client(ConnectService, endpoints.gatewayUrl);
    },
    get audit() {
      return client(AuditService, endpoints.gatewayUrl);
    },
  };
}
