import type { JobStatusColumn } from "@warden/db";
import { describe, expect, it } from "vitest";
import { IN_FLIGHT_JOB_STATUSES, isTerminalJobStatus } from "./job-status.js";

describe("job statuses", () => {
  it("every status is either in flight or terminal, never both", () => {
    const all: JobStatusColumn[] = ["planning", "running", "completed", "cancelled"];
    for (const status of all) {
      const inFlight = (IN_FLIGHT_JOB_STATUSES as readonly JobStatusColumn[]).includes(status);
      expect(inFlight).toBe(!isTerminalJobStatus(status));
    }
    expect(all.filter(isTerminalJobStatus)).toEqual(["completed", "cancelled"]);
  });
});
