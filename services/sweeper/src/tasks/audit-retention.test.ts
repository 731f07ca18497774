import { busNames } from "@warden/bus";
import type { NewAuditEventRow } from "@warden/db";
import { newId } from "@warden/ids";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import { createAuditRetentionTask } from "./audit-retention.js";
import { BATCH_SIZE, type TaskDeps } from "./task-deps.js";
import { capturingDispatcher, runContext } from "./test-fixtures.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let infra: TestInfrastructure;
let deps: TaskDeps;

const event = (ageMs: number): NewAuditEventRow => ({
  id: newId("auditEvent"),
  occurred_at: new Date(Date.now() - ageMs),
  actor_kind: "operator",
  actor_id: null,
  org_id: null,
  action: "warden.admin.v1.AdminService/CreateOrg",
  object_ids: [],
  outcome: "ok",
  client_address: "127.0.0.1",
  reason: "",
});

const ages = async () =>
  (await infra.database.db.selectFrom("audit_events").select("occurred_at").execute()).map(
    (r) => Date.now() - r.occurred_at.getTime(),
  );

beforeAll(async () => {
  infra = await openTestInfrastructure("auditret");
  deps = {
    db: infra.database.db,
    redis: infra.redis,
    bus: infra.bus,
    names: busNames(infra.namespace),
    notifications: capturingDispatcher(),
  };
});

afterAll(async () => {
  await infra?.close();
});

describe("audit-retention", () => {
  it("deletes every event older than the retention, in batches, and keeps the younger ones", async () => {
    const old = Array.from({ length: BATCH_SIZE * 2 + 7 }, (_, i) => event(91 * DAY + i * 1000));
    const young = [event(89 * DAY), event(10 * DAY), event(HOUR)];
    await infra.database.db
      .insertInto("audit_events")
      .values([...old, ...young])
      .execute();
    const task = createAuditRetentionTask(deps, { intervalMs: HOUR, retentionMs: 90 * DAY });
    expect(await task.run(runContext(infra, "1"))).toEqual({ deleted: old.length });
    const left = await ages();
    expect(left).toHaveLength(3);
    expect(left.every((age) => age < 90 * DAY)).toBe(true);
    expect(await task.run(runContext(infra, "2"))).toEqual({ deleted: 0 });
  });

  it("a retention shorter than a day is clamped to a day (the trigger's floor) instead of failing", async () => {
    const task = createAuditRetentionTask(deps, { intervalMs: HOUR, retentionMs: 1 });
    // The 89- and 10-day-old events go; the hour-old one stays.
    expect(await task.run(runContext(infra, "3"))).toEqual({ deleted: 2 });
    const left = await ages();
    expect(left).toHaveLength(1);
    expect(left[0]!).toBeLessThan(DAY);
  });
});
