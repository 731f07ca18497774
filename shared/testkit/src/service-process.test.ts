import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { freePort } from "./free-port.js";
import { startServiceProcess } from "./service-process.js";

const fixture = fileURLToPath(new URL("./fixtures/probe-service.ts", import.meta.url));

describe("startServiceProcess", () => {
  it("runs a TypeScript entry with the given env, waits for readiness and captures every log line", async () => {
    const port = await freePort();
    const service = startServiceProcess({
      entry: fixture,
      name: "probe",
      env: { WARDEN_PROBE_PORT: String(port), FIXTURE_GREETING: "hello" },
    });
    try {
      await service.waitForReady(`http://127.0.0.1:${port}/readyz`, 20_000);
      expect(service.logs()).toContain("fixture: listening, greeting=hello");
      expect(service.logs()).toContain("fixture: ready");
    } finally {
      expect(await service.stop()).toBe(0);
    }
    expect(service.logs()).toContain("fixture: stopping");
  });

  it("kill() ends the process with a signal", async () => {
    const port = await freePort();
    const service = startServiceProcess({
      entry: fixture,
      name: "probe",
      env: { WARDEN_PROBE_PORT: String(port) },
    });
    await service.waitForReady(`http://127.0.0.1:${port}/readyz`, 20_000);
    service.kill("SIGKILL");
    expect(await service.exited).toBeNull();
    expect(() => process.kill(service.pid, 0)).toThrow();
  });

  it("waitForReady fails fast with the service's last lines when it exits before it is ready", async () => {
    const service = startServiceProcess({
      entry: fixture,
      name: "doomed",
      env: { FIXTURE_EXIT_CODE: "3", WARDEN_PROBE_PORT: undefined },
    });
    await expect(service.waitForReady("http://127.0.0.1:1/readyz", 20_000)).rejects.toThrow(
      /doomed exited \(code 3\) before .*\n.*fixture: failing on purpose/,
    );
    expect(await service.exited).toBe(3);
  });

  it("refuses an entry that does not exist", () => {
    expect(() => startServiceProcess({ entry: "nope/main.ts", name: "ghost" })).toThrow("ghost: entry");
  });
});
