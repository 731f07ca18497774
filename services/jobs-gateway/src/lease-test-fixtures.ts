// Test support (not a test): tenants with leasable accounts, the two ways a
// client reads a lease off an error, and a lease-event recorder.
import { fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { anyUnpack, AnySchema, timestampFromDate, type Any } from "@bufbuild/protobuf/wkt";
import { ConnectError, type Code } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import { busNames, subscribeEvents } from "@warden/bus";
import { AccountsService, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { LeaseEventSchema } from "@warden/proto/events/v1";
import { LeaseSchema, LeasesService, type Lease } from "@warden/proto/leases/v1";
import { connectClient } from "./test-clients.js";
import type { TestGateway } from "./test-gateway.js";

export const LEASE_SCOPES = ["accounts:read", "accounts:write", "leases:read", "leases:write"];

export interface LeaseTenant {
  orgId: string;
  projectIds: string[];
  /** Org-wide key with accounts and leases scopes. */
  key: string;
  /** Key bound to projectIds[0]. */
  projectKey: string;
  /** One ACTIVE account per project, in project order. */
  accountIds: string[];
  leases: ReturnType<typeof connectClient<typeof LeasesService>>;
  accounts: ReturnType<typeof connectClient<typeof AccountsService>>;
}

/** Creates an org with `projects` projects, each with one ACTIVE connected account. */
export async function createLeaseTenant(
  gateway: TestGateway,
  name: string,
  projects = 1,
): Promise<LeaseTenant> {
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  const { org } = await admin.createOrg({ name });
  const orgId = org!.id;
  const projectIds: string[] = [];
  for (let i = 0; i < projects; i++)
    projectIds.push((await admin.createProject({ orgId, name: `p${i}` })).project!.id);
  const key = (await admin.createApiKey({ orgId, scopes: LEASE_SCOPES })).apiKey;
  const projectKey = (await admin.createApiKey({ orgId, projectId: projectIds[0], scopes: LEASE_SCOPES }))
    .apiKey;
  const accounts = connectClient(AccountsService, gateway.url, key);
  const accountIds: string[] = [];
  for (const projectId of projectIds) accountIds.push(await createAccount(accounts, projectId));
  return {
    orgId,
    projectIds,
    key,
    projectKey,
    accountIds,
    accounts,
    leases: connectClient(LeasesService, gateway.url, key),
  };
}

/** Creates an auth config and one ACTIVE account in the project; returns the account id. */
export async function createAccount(
  accounts: ReturnType<typeof connectClient<typeof AccountsService>>,
  projectId: string,
  externalUserId = "u1",
): Promise<string> {
  const { authConfig } = await accounts.createAuthConfig({
    projectId,
    name: `gh-${externalUserId}`,
    tokenUrl: "https://github.example.com/token",
    clientId: "c",
    clientSecret: "client-secret-value",
    clientAuth: ClientAuth.BASIC,
  });
  const { account } = await accounts.createConnectedAccount({
    authConfigId: authConfig!.id,
    externalUserId,
    accessToken: "at-value",
    refreshToken: "rt-value",
    expiresAt: timestampFromDate(new Date(Date.now() + 3_600_000)),
  });
  return account!.id;
}

/** The error a promise rejects with, as a ConnectError; throws if it resolves. */
export async function connectErrorOf(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

/** The code a promise rejects with, or "ok". */
export async function codeOf(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

/** What a grpc-js client finds in grpc-status-details-bin (google.rpc.Status field 3), unpacked as Leases. */
export function grpcLeaseDetails(error: grpc.ServiceError): Lease[] {
  const raw = error.metadata.get("grpc-status-details-bin")[0];
  if (!(raw instanceof Buffer)) return [];
  const reader = new BinaryReader(raw);
  const details: Any[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 3) details.push(fromBinary(AnySchema, reader.bytes()));
    else reader.skip(wireType);
  }
  return details.map((d) => anyUnpack(d, LeaseSchema)).filter((l): l is Lease => l !== undefined);
}

export interface RecordedLeaseEvent {
  subject: string;
  kind: string;
  event: MessageShape<typeof LeaseEventSchema>;
  raw: Uint8Array;
}

/** Records every lease event of the gateway's namespace until stop() is called. */
export async function recordLeaseEvents(
  gateway: TestGateway,
): Promise<{ events: RecordedLeaseEvent[]; stop(): void }> {
  const events: RecordedLeaseEvent[] = [];
  const subscription = subscribeEvents(
    gateway.deps.bus.nc,
    busNames(gateway.namespace).subjects.leaseEvents(),
    LeaseEventSchema,
    (event, raw) => {
      events.push({ subject: raw.subject, kind: raw.subject.split(".").pop()!, event, raw: raw.data });
    },
  );
  // The server knows of the subscription once a flush round-trips.
  await gateway.deps.bus.nc.flush();
  return { events, stop: () => subscription.unsubscribe() };
}
