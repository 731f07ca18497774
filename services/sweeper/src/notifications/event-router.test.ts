import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { busNames, publishEvent } from "@warden/bus";
import { AccountEventSchema, JobEventSchema, LeaseEventSchema } from "@warden/proto/events/v1";
import { JobStatus } from "@warden/proto/jobs/v1";
import { LeaseStatus } from "@warden/proto/leases/v1";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../retry-policy.js";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import { buildNotifier } from "./build-notifier.js";
import { runEventRouter } from "./event-router.js";
import { createNotificationDispatcher } from "./notification-dispatcher.js";
import { startReceiver, type TestReceiver } from "./test-receiver.js";

const WEBHOOK_SECRET = "whsec-router-0123456789";
const SECRETS = ["rt-user-SECRET-1", "at-user-SECRET-1", "client-secret-SECRET", WEBHOOK_SECRET];
let infra: TestInfrastructure;
let webhook: TestReceiver;
let slack: TestReceiver;
const stop = new AbortController();
let router: Promise<void>;

beforeAll(async () => {
  infra = await openTestInfrastructure("router");
  webhook = await startReceiver();
  slack = await startReceiver();
  const notifier = buildNotifier(
    {
      webhookUrls: [webhook.url],
      webhookSecret: WEBHOOK_SECRET,
      slackUrls: [slack.url],
      timeoutMs: 5_000,
      policy: { ...DEFAULT_RETRY_POLICY, initialMs: 50 },
    },
    infra.logger,
  );
  const notifications = createNotificationDispatcher(notifier, infra.logger);
  router = runEventRouter({
    bus: infra.bus,
    names: busNames(infra.namespace),
    redis: infra.redis,
    notifications,
    logger: infra.logger,
    signal: stop.signal,
  });
  // The durables start at new events: wait until they exist before publishing.
  const NS = infra.namespace.toUpperCase();
  await waitFor(async () => (await infra.bus.jsm.consumers.list(`${NS}_EVENTS`).next()).length === 3, {
    message: "router consumers",
  });
});
afterAll(async () => {
  stop.abort();
  await router;
  await webhook?.close();
  await slack?.close();
  await infra?.close();
});

describe("event → notification routing", () => {
  it("notifies once per failed job, per expired lease and per auth-config fault episode and its recovery, with no secret anywhere", async () => {
    const names = busNames(infra.namespace);
    const js = infra.bus.js;
    const job = (id: string, failed: bigint) =>
      create(JobEventSchema, {
        occurredAt: timestampNow(),
        job: {
          id,
          run: 1,
          status: JobStatus.COMPLETED,
          counts: { total: 10n, revoked: 10n - failed, failed },
        },
      });
    await publishEvent(
      js,
      names.subjects.jobEvent("pj_failed", "completed"),
      JobEventSchema,
      job("pj_failed", 2n),
    );
    await publishEvent(
      js,
      names.subjects.jobEvent("pj_clean", "completed"),
      JobEventSchema,
      job("pj_clean", 0n),
    );
    await publishEvent(js, names.subjects.leaseEvent("ls_1", "expired"), LeaseEventSchema, {
      occurredAt: timestampNow(),
      lease: { id: "ls_1", accountId: "ca_1", holder: "agent-7", status: LeaseStatus.EXPIRED },
    });
    const accountEvent = (accountId: string, errorCode = "") =>
      create(AccountEventSchema, {
        accountId,
        authConfigId: "ac_broken",
        orgId: "org_1",
        projectId: "prj_1",
        errorCode,
        occurredAt: timestampNow(),
      });
    for (const account of ["ca_1", "ca_2", "ca_3"]) {
      await publishEvent(
        js,
        names.subjects.accountEvent(account, "refresh_failed"),
        AccountEventSchema,
        accountEvent(account, "invalid_client"),
      );
    }
    await publishEvent(
      js,
      names.subjects.accountEvent("ca_4", "refresh_failed"),
      AccountEventSchema,
      accountEvent("ca_4", "invalid_grant"),
    );
    await publishEvent(
      js,
      names.subjects.accountEvent("ca_1", "refreshed"),
      AccountEventSchema,
      accountEvent("ca_1"),
    );
    await publishEvent(
      js,
      names.subjects.accountEvent("ca_2", "refreshed"),
      AccountEventSchema,
      accountEvent("ca_2"),
    );

    await waitFor(() => webhook.requests.length >= 4 && slack.requests.length >= 4, {
      message: "notifications",
      timeoutMs: 20_000,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const kinds = webhook.requests.map((r) => (JSON.parse(r.body) as { kind: string }).kind).sort();
    expect(kinds).toEqual([
      "auth_config_fault",
      "auth_config_recovered",
      "job_completed_with_failures",
      "lease_expired",
    ]);
    expect(slack.requests).toHaveLength(4);
    const everything =
      [...webhook.requests, ...slack.requests].map((r) => r.body + JSON.stringify(r.headers)).join("\n") +
      infra.logLines.join("");
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });

  it("a revoke breaker's event becomes one revoke_circuit_open notification naming the job and auth config", async () => {
    const names = busNames(infra.namespace);
    const before = webhook.requests.length;
    const event = create(AccountEventSchema, {
      accountId: "ca_9",
      authConfigId: "ac_rejected",
      orgId: "org_1",
      projectId: "prj_1",
      jobId: "oj_breaker",
      errorCode: "invalid_client",
      eventId: "circuit-open:oj_breaker:1:ac_rejected",
      occurredAt: timestampNow(),
    });
    await publishEvent(
      infra.bus.js,
      names.subjects.accountEvent("ca_9", "revoke_circuit_open"),
      AccountEventSchema,
      event,
    );
    await waitFor(() => webhook.requests.length > before, {
      message: "breaker notification",
      timeoutMs: 20_000,
    });
    const body = JSON.parse(webhook.requests[before]!.body) as {
      kind: string;
      idempotency_key: string;
      metadata: Record<string, string>;
    };
    expect(body).toMatchObject({
      kind: "revoke_circuit_open",
      idempotency_key: "circuit-open:oj_breaker:1:ac_rejected",
      metadata: { job_id: "oj_breaker", auth_config_id: "ac_rejected", error_code: "invalid_client" },
    });
  });
});
