import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { jobEventMsgId, jobEventOf } from "./job-event.js";
import { jobToProto } from "./job-to-proto.js";
import { jobRow } from "./test-rows.js";

describe("jobEventOf", () => {
  it("carries the job exactly as RPCs return it, stamped with the given time", () => {
    const row = jobRow({ status: "completed", finished_at: new Date("2026-11-22T11:00:00Z") });
    const at = new Date("2026-11-22T11:00:01Z");
    const event = jobEventOf(row, at);
    expect(event.job).toEqual(jobToProto(row));
    expect(timestampDate(event.occurredAt!).getTime()).toBe(at.getTime());
  });

  it("is stamped now when no time is given", () => {
    const before = Date.now();
    const stamped = timestampDate(jobEventOf(jobRow()).occurredAt!).getTime();
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });
});

describe("jobEventMsgId", () => {
  it("is one id per job, run and kind, so every publisher of that event is deduplicated together", () => {
    expect(jobEventMsgId({ id: "pj_1", run: 2 }, "completed")).toBe("completed:pj_1:2");
    expect(jobEventMsgId({ id: "pj_1", run: 3 }, "completed")).not.toBe(
      jobEventMsgId({ id: "pj_1", run: 2 }, "completed"),
    );
    expect(jobEventMsgId({ id: "pj_1", run: 2 }, "created")).not.toBe(
      jobEventMsgId({ id: "pj_1", run: 2 }, "completed"),
    );
  });
});
