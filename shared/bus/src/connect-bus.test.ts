import { afterAll, describe, expect, it } from "vitest";
import { connectBus } from "./connect-bus.js";
import { startPrivateNatsServer, type PrivateNatsServer } from "./private-nats-server.js";
import { capturingLogger, connectTestBus, waitFor } from "./test-bus.js";

let server: PrivateNatsServer | undefined;

afterAll(async () => {
  await server?.dispose();
});

describe("connectBus", { timeout: 30_000 }, () => {
  it("is ready against a JetStream server and closes idempotently", async () => {
    const bus = await connectTestBus("connect-bus.test");
    expect(bus.isConnected()).toBe(true);
    await expect(bus.checkReady()).resolves.toBeUndefined();
    await Promise.all([bus.close(), bus.close()]);
    expect(bus.isConnected()).toBe(false);
    await expect(bus.checkReady()).rejects.toThrow(/closed/);
  });

  it("fails loud when no server answers at boot", async () => {
    await expect(connectBus({ servers: ["nats://127.0.0.1:1"], name: "nobody" })).rejects.toThrow();
  });

  it("reports the outage, reconnects on its own and logs both", async () => {
    server = await startPrivateNatsServer();
    const logger = capturingLogger();
    const bus = await connectBus({
      servers: [server.url],
      name: "restart",
      logger,
      reconnectTimeWaitMs: 100,
    });
    try {
      await server.kill();
      await waitFor(() => !bus.isConnected(), 5_000, "disconnect");
      await expect(bus.checkReady()).rejects.toThrow();
      await server.restart();
      await waitFor(() => bus.isConnected(), 10_000, "reconnect");
      await waitFor(
        () =>
          bus.checkReady().then(
            () => true,
            () => false,
          ),
        10_000,
        "jetstream ready",
      );
      expect(logger.lines.some((line) => line.level === "warn" && /disconnected/.test(line.message))).toBe(
        true,
      );
      expect(logger.lines.some((line) => line.level === "info" && /reconnected/.test(line.message))).toBe(
        true,
      );
    } finally {
      await bus.close();
    }
  });
});
