import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { createInflightRequests } from "./inflight-requests.js";

describe("createInflightRequests", () => {
  it("is idle at once when nothing is in flight", async () => {
    await expect(createInflightRequests().idle()).resolves.toBeUndefined();
  });

  it("becomes idle only when the last tracked response closes", async () => {
    const inflight = createInflightRequests();
    const first = new EventEmitter();
    const second = new EventEmitter();
    inflight.track(first);
    inflight.track(second);
    let idle = false;
    const waiting = inflight.idle().then(() => (idle = true));
    first.emit("close");
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    expect(inflight.count).toBe(1);
    second.emit("close");
    await waiting;
    expect(inflight.count).toBe(0);
  });
});
