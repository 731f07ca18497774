import { describe, expect, it } from "vitest";
import { runWarden } from "./test-cli.js";

describe("runCli argument handling", () => {
  it("skips the `--` that `pnpm … start -- <args>` passes on, so the README's commands run as printed", async () => {
    const plain = await runWarden(["jobs", "--help"], {});
    const separated = await runWarden(["--", "jobs", "--help"], {});
    expect(separated.code).toBe(0);
    expect(separated.stdout).toBe(plain.stdout);
    expect(separated.stdout).toContain("warden jobs get");
  });

  it("still refuses an unknown leading option, naming it", async () => {
    const result = await runWarden(["--bogus", "jobs"], {});
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown option --bogus");
  });
});
