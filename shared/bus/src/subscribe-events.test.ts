import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountEventSchema } from "@warden/proto/events/v1";
import { busNames } from "./bus-names.js";
import type { Bus } from "./connect-bus.js";
import { publishEvent } from "./publish-event.js";
import { subscribeEvents } from "./subscribe-events.js";
import { capturingLogger, connectTestBus, randomNamespace, waitFor } from "./test-bus.js";

const names = busNames(randomNamespace());
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("subscribe-events.test");
});

afterAll(async () => {
  await bus.close();
});

describe("subscribeEvents", { timeout: 30_000 }, () => {
  it("decodes each event, skips undecodable payloads and survives a failing listener", async () => {
    const logger = capturingLogger();
    const seen: string[] = [];
    const subscription = subscribeEvents(
      bus.nc,
      names.subjects.accountEvents("ca_1"),
      AccountEventSchema,
      (event, raw) => {
        seen.push(`${event.accountId}:${raw.subject.split(".").pop()}`);
        if (event.errorCode === "boom") throw new Error("listener bug");
      },
      { logger },
    );
    await bus.nc.flush();
    await publishEvent(bus.nc, names.subjects.accountEvent("ca_1", "refresh_failed"), AccountEventSchema, {
      accountId: "ca_1",
      errorCode: "boom",
    });
    bus.nc.publish(names.subjects.accountEvent("ca_1", "refreshed"), new Uint8Array([0x0a, 0xff]));
    await publishEvent(bus.nc, names.subjects.accountEvent("ca_2", "refreshed"), AccountEventSchema, {
      accountId: "ca_2",
    });
    await publishEvent(bus.nc, names.subjects.accountEvent("ca_1", "refreshed"), AccountEventSchema, {
      accountId: "ca_1",
    });
    await waitFor(() => seen.length === 2, 5_000, "two events");
    expect(seen).toEqual(["ca_1:refresh_failed", "ca_1:refreshed"]);
    expect(logger.lines.map((line) => line.message)).toEqual(
      expect.arrayContaining(["event listener failed", "skipping undecodable event"]),
    );
    subscription.unsubscribe();
  });
});
