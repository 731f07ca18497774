// The reconnect digest survives its sweeper: claimed, written, then SIGKILLed
// before the webhook answered, it is delivered by the next sweeper under the
// same idempotency key, naming every account, and acknowledged once.
import { randomBytes } from "node:crypto";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_HEADER } from "../notifications/webhook-signature.js";
import { startReceiver, type TestReceiver } from "../notifications/test-receiver.js";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import { finishedRuns, startSweeperProcess, type SweeperProcess } from "../test-sweeper-process.js";
import { seedAccount, seedAuthConfig, seedTenant } from "./test-fixtures.js";

let infra: TestInfrastructure;
let receiver: TestReceiver;
const running: SweeperProcess[] = [];
/** What the receiver answered each request, in order: it hangs until the first sweeper is dead. */
const answers: (number | "hang")[] = [];
let firstSweeperAlive = true;

beforeAll(async () => {
  infra = await openTestInfrastructure("digestcrash");
  receiver = await startReceiver(() => {
    const answer = firstSweeperAlive ? "hang" : 200;
    answers.push(answer);
    return answer;
  });
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.process.stop(10_000)));
  await receiver?.close();
  await infra?.close();
}, 60_000);

function sweeper(instanceId: string): Promise<SweeperProcess> {
  return startSweeperProcess(instanceId, {
    ...infra.env,
    WARDEN_SWEEPER_TASKS: "reconnect-digest",
    WARDEN_SWEEP_RECONNECT_DIGEST_INTERVAL_MS: "300",
    WARDEN_NOTIFY_EVENTS: "false",
    WARDEN_NOTIFY_WEBHOOK_URLS: receiver.url,
    WARDEN_NOTIFY_WEBHOOK_SECRET: `whsec-${randomBytes(16).toString("hex")}`,
    // The hung POST must outlive the first sweeper: no timeout, no retry before the kill.
    WARDEN_NOTIFY_TIMEOUT_MS: "120000",
    // A dead deliverer's claim lapses this soon; the live one renews it every 500 ms.
    WARDEN_NOTIFY_CLAIM_MS: "1500",
    WARDEN_NOTIFY_POLL_INTERVAL_MS: "200",
  }).then((started) => (running.push(started), started));
}

const outboxRows = () =>
  infra.database.db.selectFrom("notification_outbox").selectAll().orderBy("id").execute();

describe("reconnect-digest across a killed sweeper", () => {
  it("delivers the claimed digest from the outbox after a SIGKILL, under the same key, naming every account, acknowledged once", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const otherAuthConfig = await seedAuthConfig(db, tenant, null);
    const accountIds = [
      await seedAccount(db, tenant, { status: "needs_reconnect" }),
      await seedAccount(db, tenant, { status: "needs_reconnect" }),
      await seedAccount(db, tenant, { status: "needs_reconnect" }),
      await seedAccount(db, { ...tenant, authConfigId: otherAuthConfig }, { status: "needs_reconnect" }),
      await seedAccount(db, { ...tenant, authConfigId: otherAuthConfig }, { status: "needs_reconnect" }),
    ].sort();

    const first = await sweeper("digest-a");
    // The POST reached the receiver (and hangs): the claim committed, the send did not finish.
    await waitFor(() => receiver.requests.length >= 1, {
      message: "the first digest POST",
      timeoutMs: 30_000,
    });
    const claimed = await db
      .selectFrom("connected_accounts")
      .select("id")
      .where("id", "in", accountIds)
      .where("reconnect_notified_at", "is not", null)
      .execute();
    expect(claimed).toHaveLength(accountIds.length);
    first.process.kill("SIGKILL");
    await first.process.exited;
    firstSweeperAlive = false;

    // The digest outlived its sweeper, and only the outbox remembers it: the accounts stay claimed.
    const [pending, ...others] = await outboxRows();
    expect(others).toEqual([]);
    expect(pending).toMatchObject({ kind: "reconnect_digest", claims: 1 });
    const firstKey = receiver.requests[0]!.headers[IDEMPOTENCY_HEADER];
    expect(firstKey).toBe(pending!.idempotency_key);

    const second = await sweeper("digest-b");
    await waitFor(async () => answers.includes(200) && (await outboxRows()).length === 0, {
      message: "the digest acknowledged and removed from the outbox",
      timeoutMs: 30_000,
    });

    // Later digest runs of the new sweeper find nothing new and send nothing more.
    const runsAtAck = finishedRuns(second.process).filter((r) => r.task === "reconnect-digest").length;
    await waitFor(
      () => finishedRuns(second.process).filter((r) => r.task === "reconnect-digest").length >= runsAtAck + 2,
      { message: "two more reconnect-digest runs", timeoutMs: 30_000 },
    );
    expect(await outboxRows()).toEqual([]);
    expect(answers.filter((a) => a === 200)).toHaveLength(1);

    // Every delivery (the hung one and the redelivery) carries the one stable key, header and body alike.
    expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
    for (const request of receiver.requests) {
      expect(request.headers[IDEMPOTENCY_HEADER]).toBe(firstKey);
      const body = JSON.parse(request.body) as {
        idempotency_key: string;
        kind: string;
        metadata: { accounts: number; account_ids: string[] };
      };
      expect(body).toMatchObject({ idempotency_key: firstKey, kind: "reconnect_digest" });
      expect(body.metadata.accounts).toBe(accountIds.length);
      expect([...body.metadata.account_ids].sort()).toEqual(accountIds);
      // Built from ids and counts: nothing of the sealed tokens or client secret.
      expect(request.body).not.toMatch(/sealed|secret/i);
    }
    expect(second.process.logs().some((line) => line.includes('"redelivering a notification"'))).toBe(true);
  }, 120_000);
});
