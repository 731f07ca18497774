import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PrivateServer } from "./private-server.js";
import { startPrivateNats, startPrivatePostgres, startPrivateRedis } from "./private-servers.js";
import { connectRawNats } from "./raw-nats.js";
import { runCommand } from "./run-command.js";
import { pingJetStream, pingPostgres, pingRedis } from "./service-pings.js";

/** Kills the server, checks it is down, restarts it and checks it answers again on the same port. */
async function crashAndRestart(server: PrivateServer, ping: (url: string) => Promise<void>): Promise<void> {
  const { port, url } = server;
  await server.kill();
  await expect(ping(url)).rejects.toThrow();
  await server.start();
  expect(server.port).toBe(port);
  await ping(url);
}

async function disposeAndCheckGone(
  server: PrivateServer,
  ping: (url: string) => Promise<void>,
): Promise<void> {
  await server.dispose();
  await server.dispose();
  expect(existsSync(server.dir)).toBe(false);
  await expect(ping(server.url)).rejects.toThrow();
}

describe("private servers", () => {
  it("a private NATS keeps its JetStream streams across a kill and a restart on the same port", async () => {
    const nats = await startPrivateNats({ jetstream: true });
    try {
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      const create = await connectRawNats(nats.url);
      const config = { name: "KEEP", subjects: ["keep.>"], storage: "file" };
      await create.request("$JS.API.STREAM.CREATE.KEEP", JSON.stringify(config));
      create.close();

      await crashAndRestart(nats, pingJetStream);
      const check = await connectRawNats(nats.url);
      const info = JSON.parse(await check.request("$JS.API.STREAM.INFO.KEEP")) as {
        config?: { name: string };
      };
      check.close();
      expect(info.config?.name).toBe("KEEP");

      await nats.stop();
      await nats.start();
      await pingJetStream(nats.url);
    } finally {
      await disposeAndCheckGone(nats, pingJetStream);
    }
  });

  it("a private Redis answers again on the same port after a kill", async () => {
    const redis = await startPrivateRedis();
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      await crashAndRestart(redis, pingRedis);
    } finally {
      await disposeAndCheckGone(redis, pingRedis);
    }
  });

  it("a private PostgreSQL recovers committed rows after a kill and a restart on the same port", async () => {
    const postgres = await startPrivatePostgres();
    const sql = (query: string): Promise<string> => runCommand("psql", ["-d", postgres.url, "-XAtqc", query]);
    try {
      expect(postgres.url).toBe(`postgres://postgres@127.0.0.1:${postgres.port}/postgres`);
      await sql("create table kept (v int); insert into kept values (42)");
      await crashAndRestart(postgres, pingPostgres);
      expect((await sql("select v from kept")).trim()).toBe("42");
      await postgres.stop();
      await postgres.start();
      expect((await sql("select v from kept")).trim()).toBe("42");
    } finally {
      await disposeAndCheckGone(postgres, pingPostgres);
    }
  });
});
