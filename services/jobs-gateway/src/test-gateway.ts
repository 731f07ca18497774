// Test support (not a test): a real gateway on a free port, on the real
// PostgreSQL and Redis, in a namespace of its own, with its log lines captured
// so tests can assert that no secret was ever logged.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createAuthenticator } from "@warden/auth";
import { busNames, connectBus, ensureStreams } from "@warden/bus";
import { Keyring } from "@warden/crypto";
import { createDatabase, CursorCodec, dropNamespaceSchema, migrateToLatest } from "@warden/db";
import { createLogger } from "@warden/logger";
import { startServiceRelay } from "@warden/outbox";
import { createRedis, waitForRedis } from "@warden/redis";
import { createHealthReporter } from "@warden/rpc";
import { freePort, testNamespace } from "@warden/testkit";
import type { GatewayDeps } from "./gateway-deps.js";
import { createStartOrJoinRevokeJob } from "./handlers/revoke-job-starter.js";
import { buildServer } from "./server.js";

export interface TestGateway {
  url: string;
  port: number;
  namespace: string;
  adminKey: string;
  deps: GatewayDeps;
  logLines: string[];
  close(): Promise<void>;
}

/** Starts a gateway for one test file; close() drops its schema and keys. */
export async function startTestGateway(
  options: { label?: string; extend?: (deps: GatewayDeps) => Partial<GatewayDeps> } = {},
): Promise<TestGateway> {
  const namespace = testNamespace(options.label ?? "gw");
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service: "jobs-gateway", level: "debug", destination });
  const database = createDatabase({
    url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    namespace,
  });
  await migrateToLatest(database.db, namespace);
  const redis = createRedis({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", namespace });
  await waitForRedis(redis);
  const bus = await connectBus({
    servers: (process.env.NATS_URL ?? "nats://127.0.0.1:4222").split(","),
    name: `${namespace}:jobs-gateway`,
  });
  await ensureStreams(bus.jsm, namespace);
  const keyring = new Keyring([{ id: "test", key: randomBytes(32) }]);
  const adminKey = `admin-${randomBytes(16).toString("hex")}`;
  // Known before listening: the connect flow's callback URL is built from it.
  const port = await freePort();
  let deps: GatewayDeps = {
    db: database.db,
    redis,
    keyring,
    cursors: new CursorCodec(keyring.deriveKey("cursors")),
    logger,
    bus,
    namespace,
    publicUrl: `http://127.0.0.1:${port}`,
  };
  deps.startOrJoinRevokeJob = createStartOrJoinRevokeJob(deps);
  deps = { ...deps, ...options.extend?.(deps) };
  const server = buildServer({
    ...deps,
    health: createHealthReporter(),
    authenticate: createAuthenticator({ db: database.db, adminKey, apiKeyCacheMs: 0 }),
  });
  await server.listen(port, "127.0.0.1");
  // As in main.ts: the RPCs' events reach NATS through the outbox relay.
  const relay = startServiceRelay({ database, bus, logger });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    namespace,
    adminKey,
    deps,
    logLines,
    async close() {
      await server.close(1000);
      await relay.stop(1000);
      await dropNamespaceSchema(database.db, namespace);
      await database.close();
      redis.disconnect();
      const streams = Object.values(busNames(namespace).streams);
      await Promise.all(streams.map((stream) => bus.jsm.streams.delete(stream).catch(() => false)));
      await bus.close();
    },
  };
}
