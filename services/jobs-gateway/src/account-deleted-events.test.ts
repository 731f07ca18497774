import { fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { busNames } from "@warden/bus";
import { newId } from "@warden/ids";
import { AccountsService, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { AccountEventSchema, type AccountEvent } from "@warden/proto/events/v1";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";
import { pendingOutboxEvents } from "@warden/outbox";

const SCOPES = ["accounts:read", "accounts:write", "jobs:read", "jobs:write"];
const CLIENT_SECRET = "client-secret-DELETED-EVENTS";
const secretsOf = (user: string) => [`at-${user}-SECRET`, `rt-${user}-SECRET`];

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "acctdel" });
});
afterAll(async () => {
  await gateway?.close();
});

async function tenant(name: string) {
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  const { org } = await admin.createOrg({ name });
  const { project } = await admin.createProject({ orgId: org!.id, name: "prod" });
  const { apiKey } = await admin.createApiKey({ orgId: org!.id, scopes: SCOPES });
  const accounts = connectClient(AccountsService, gateway.url, apiKey);
  const { authConfig } = await accounts.createAuthConfig({
    projectId: project!.id,
    name: "gh",
    tokenUrl: "https://github.example.com/token",
    revokeUrl: "https://github.example.com/revoke",
    clientId: "c",
    clientSecret: CLIENT_SECRET,
    clientAuth: ClientAuth.BASIC,
  });
  const account = async (user: string) => {
    const [accessToken, refreshToken] = secretsOf(user);
    const created = await accounts.createConnectedAccount({
      authConfigId: authConfig!.id,
      externalUserId: user,
      accessToken,
      refreshToken,
      expiresAt: timestampFromDate(new Date(Date.now() + 3_600_000)),
    });
    return created.account!;
  };
  return { orgId: org!.id, projectId: project!.id, authConfigId: authConfig!.id, accounts, account };
}

/** Every message the events stream holds on the account's `deleted` subject, raw and decoded. */
async function deletedEvents(accountId: string): Promise<{ raw: Uint8Array; event: AccountEvent }[]> {
  const names = busNames(gateway.namespace);
  const subject = names.subjects.accountEvent(accountId, "deleted");
  const info = await gateway.deps.bus.jsm.streams.info(names.streams.events, { subjects_filter: subject });
  if (!info.state.subjects?.[subject]) return [];
  const out: { raw: Uint8Array; event: AccountEvent }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const message = await gateway.deps.bus.jsm.streams
      .getMessage(names.streams.events, { seq })
      .catch(() => undefined);
    if (message?.subject === subject)
      out.push({ raw: message.data, event: fromBinary(AccountEventSchema, message.data) });
  }
  return out;
}

async function outboxEmpty(): Promise<boolean> {
  return (await pendingOutboxEvents(gateway.deps.db)).length === 0;
}

describe("DeleteConnectedAccount", () => {
  it("writes exactly one deleted event per delete, with its stable id and no token; refused deletes write none", async () => {
    const mine = await tenant("Acme");
    const theirs = await tenant("Globex");
    const plain = await mine.account("alice");
    const withRevoke = await mine.account("bob");
    const foreign = await theirs.account("carol");

    // Refused first: another tenant's account is NOT_FOUND, and so is one that does not exist.
    // Both run at once, each with its rejection handled from the start (a rejection left
    // unhandled while the other call is awaited fails the run).
    const refused = await Promise.all(
      [foreign.id, newId("account")].map((accountId) =>
        mine.accounts.deleteConnectedAccount({ accountId }).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e),
        ),
      ),
    );
    expect(refused.map((error) => error?.code)).toEqual([Code.NotFound, Code.NotFound]);

    const deleted = await mine.accounts.deleteConnectedAccount({ accountId: plain.id });
    const revoking = await mine.accounts.deleteConnectedAccount({
      accountId: withRevoke.id,
      revokeOnDelete: true,
    });
    expect(revoking.jobId).toMatch(/^pj_/);
    // Deleting it again is refused and must not add a second event.
    const again = await mine.accounts.deleteConnectedAccount({ accountId: plain.id }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(again?.code).toBe(Code.NotFound);

    // Committed events are all relayed once the outbox is empty and both deletes are on the stream.
    await waitFor(
      async () =>
        (await outboxEmpty()) &&
        (await deletedEvents(plain.id)).length > 0 &&
        (await deletedEvents(withRevoke.id)).length > 0,
      { message: "both deleted events on the events stream" },
    );

    const [first, ...extra] = await deletedEvents(plain.id);
    expect(extra).toEqual([]);
    expect(first!.event).toMatchObject({
      accountId: plain.id,
      orgId: mine.orgId,
      projectId: mine.projectId,
      authConfigId: mine.authConfigId,
      eventId: `account:${plain.id}:deleted`,
      statusReason: "deleted",
      jobId: "",
    });
    expect(first!.event.occurredAt).toBeDefined();
    expect(deleted.account?.id).toBe(plain.id);

    const revokedEvents = await deletedEvents(withRevoke.id);
    expect(revokedEvents).toHaveLength(1);
    expect(revokedEvents[0]!.event).toMatchObject({
      eventId: `account:${withRevoke.id}:deleted`,
      jobId: revoking.jobId,
    });

    expect(await deletedEvents(foreign.id)).toEqual([]);

    const raw = Buffer.concat([...revokedEvents, first!].map((e) => Buffer.from(e.raw)));
    for (const secret of [...secretsOf("alice"), ...secretsOf("bob"), CLIENT_SECRET])
      expect(raw.includes(Buffer.from(secret))).toBe(false);
  });
});
