import { describe, expect, it } from "vitest";
import { countersToJson, countToken, createCounters, resetCounters } from "./counters.js";

describe("counters", () => {
  it("reset zeroes in place, keeping the same object and maps", () => {
    const counters = createCounters();
    const maps = counters.revocationsByToken;
    const requests = counters.requests;
    counters.refreshCalls = 3;
    counters.requests.token = 5;
    countToken(counters.revocationsByToken, "rt_1");
    resetCounters(counters);
    expect(counters.refreshCalls).toBe(0);
    expect(counters.requests).toBe(requests);
    expect(requests.token).toBe(0);
    expect(counters.revocationsByToken).toBe(maps);
    expect(maps.size).toBe(0);
  });

  it("serialises per-token maps as plain objects", () => {
    const counters = createCounters();
    countToken(counters.refreshCallsByToken, "rt_a");
    countToken(counters.refreshCallsByToken, "rt_a");
    const json = JSON.parse(JSON.stringify(countersToJson(counters)));
    expect(json.refreshCallsByToken).toEqual({ rt_a: 2 });
    expect(json.requests.token).toBe(0);
  });
});
