import { describe, expect, it } from "vitest";
import { freePort } from "./free-port.js";
import { connectRawNats } from "./raw-nats.js";
import { serviceUrlsFromEnv } from "./service-urls.js";

describe("connectRawNats", () => {
  it("answers JetStream API requests", async () => {
    const connection = await connectRawNats(serviceUrlsFromEnv().natsUrl);
    try {
      const info = JSON.parse(await connection.request("$JS.API.INFO")) as { type: string };
      expect(info.type).toBe("io.nats.jetstream.api.v1.account_info_response");
    } finally {
      connection.close();
    }
  });

  it("fails a request nobody serves at once instead of waiting for the timeout", async () => {
    const connection = await connectRawNats(serviceUrlsFromEnv().natsUrl);
    try {
      const started = Date.now();
      await expect(connection.request("warden.testkit.nobody.home", "", 5_000)).rejects.toThrow(
        "no responders",
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      connection.close();
    }
  });

  it("tries each server of a list and names every one that did not answer", async () => {
    const closed = await freePort();
    await expect(connectRawNats(`nats://127.0.0.1:${closed}`)).rejects.toThrow(
      `nats://127.0.0.1:${closed}: connect ECONNREFUSED`,
    );
    const connection = await connectRawNats(`nats://127.0.0.1:${closed},${serviceUrlsFromEnv().natsUrl}`);
    connection.close();
  });
});
