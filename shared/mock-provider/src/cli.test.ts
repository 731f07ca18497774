import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cliPath = fileURLToPath(new URL("./cli.ts", import.meta.url));

describe("warden-mock-provider CLI", () => {
  it("prints its URLs as one JSON line, serves, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", cliPath, "--slack", "--client-id=cli-client"], {
      // `--import tsx` resolves from the cwd, so run from the package whatever directory vitest started in.
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [firstLine] = (await once(lines, "line")) as [string];
      const started = JSON.parse(firstLine) as Record<string, string>;
      expect(started).toMatchObject({ clientId: "cli-client", clientSecret: "warden-mock-secret" });
      expect(started.tokenUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/token$/);

      const res = await fetch(started.tokenUrl!, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=refresh_token&refresh_token=rt_x&client_id=cli-client&client_secret=warden-mock-secret",
      });
      expect(await res.json()).toMatchObject({ ok: false, error: "invalid_refresh_token" });

      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
