import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planMsgId, publishRevokePlan } from "./revoke-plan.js";
import { openTestInfrastructure, type TestInfrastructure } from "./test-infrastructure.js";

let infra: TestInfrastructure;

beforeAll(async () => {
  infra = await openTestInfrastructure("revokeplan");
});
afterAll(async () => {
  await infra?.close();
});

describe("publishRevokePlan", () => {
  it("stores RevokePlan{job, run} once per run however often it is published, and a new run again", async () => {
    await publishRevokePlan(infra.bus.js, infra.names, { id: "pj_once", run: 1 });
    await publishRevokePlan(infra.bus.js, infra.names, { id: "pj_once", run: 1 }, { attempts: 3 });
    await publishRevokePlan(infra.bus.js, infra.names, { id: "pj_once", run: 2 });
    const plans = (await infra.plans()).filter((p) => p.jobId === "pj_once");
    expect(plans.map((p) => p.run)).toEqual([1, 2]);
    expect(planMsgId("pj_once", 1)).toBe("plan:pj_once:1");
  });

  it("with a msg id suffix the plan lands again inside the duplicate window (recovery), once per suffix", async () => {
    await publishRevokePlan(infra.bus.js, infra.names, { id: "pj_stuck", run: 1 });
    await publishRevokePlan(
      infra.bus.js,
      infra.names,
      { id: "pj_stuck", run: 1 },
      { msgIdSuffix: "recover:7" },
    );
    await publishRevokePlan(
      infra.bus.js,
      infra.names,
      { id: "pj_stuck", run: 1 },
      { msgIdSuffix: "recover:7" },
    );
    const plans = (await infra.plans()).filter((p) => p.jobId === "pj_stuck");
    expect(plans.map((p) => p.run)).toEqual([1, 1]);
  });

  it("rejects when NATS cannot store it, so a caller can tell", async () => {
    const closed = await infra.closedBus();
    await expect(publishRevokePlan(closed.js, infra.names, { id: "pj_lost", run: 1 })).rejects.toThrow();
  });
});
