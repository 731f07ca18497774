// bench:refresh-window — the window between a provider's refresh answer and
// its durable write (the time a crash loses a rotated refresh token), while
// readers keep the service's shared pool busy: answers written through that
// shared pool vs through token-refresh's own answer pool (what main.ts does).
// Real PostgreSQL, Redis and NATS; mock provider over real HTTP.
import { createDatabase, type Database } from "@warden/db";
import { startMockProvider } from "@warden/mock-provider";
import type { Kysely } from "kysely";
import { deleteNamespaceStreams } from "../../shared/bus/src/test-bus.js";
import { buildTokenRefreshDeps } from "../../services/token-refresh/src/build-token-refresh.js";
import { findTokenAccount } from "../../services/token-refresh/src/repositories/token-accounts.repository.js";
import { seedAccount, seedTenant } from "../../services/token-refresh/src/test-fixtures.js";
import { openTestInfrastructure, testSettings } from "../../services/token-refresh/src/test-token-refresh.js";
import { formatLatency, summariseLatency } from "./latency-summary.js";

const READERS = Number(process.env.BENCH_READERS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.BENCH_ACCOUNTS_PER_ROUND ?? 20);

const infra = await openTestInfrastructure("bench_window");
const provider = await startMockProvider({ countRefreshesPerToken: false, latencyMs: 50 });
const answerPool = createDatabase({
  url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  namespace: infra.namespace,
  maxConnections: 3,
});
try {
  const tenant = await seedTenant(infra.database.db, infra.keyring, provider);
  const hot = await seedAccount(infra.database.db, infra.keyring, tenant, {
    access: "a",
    refresh: "r",
    expiresAt: new Date(Date.now() + 3_600_000),
  });

  async function measure(answerDb: Kysely<Database>): Promise<number[]> {
    const deps = buildTokenRefreshDeps({
      settings: testSettings(infra.namespace, { WARDEN_TOKEN_CACHE_MS: 0 }),
      db: infra.database.db,
      answerDb,
      redis: infra.redis,
      bus: infra.bus,
      keyring: infra.keyring,
      logger: infra.logger,
    });
    const samples: number[] = [];
    const histogram = deps.metrics.answerToWrite;
    const observe = histogram.observe.bind(histogram);
    histogram.observe = ((value: number) => {
      samples.push(value * 1000);
      observe(value);
    }) as typeof histogram.observe;
    // The hot path's reads, keeping every connection of the shared pool (10) busy.
    let reading = true;
    const readers = Array.from({ length: READERS }, async () => {
      while (reading) await findTokenAccount(infra.database.db, hot);
    });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const accounts = await Promise.all(
          Array.from({ length: PER_ROUND }, async () => {
            const seed = provider.issueTokens();
            const id = await seedAccount(infra.database.db, infra.keyring, tenant, {
              access: seed.access_token,
              refresh: seed.refresh_token,
              expiresAt: new Date(0),
            });
            return (await findTokenAccount(infra.database.db, id))!;
          }),
        );
        await Promise.all(accounts.map((account) => deps.coordinator.refresh(account)));
      }
    } finally {
      reading = false;
      await Promise.all(readers);
      deps.close();
    }
    return samples;
  }

  console.log(
    `answer → durable write, ${ROUNDS} x ${PER_ROUND} refreshes (provider 50 ms) under ${READERS} concurrent readers on a pool of 10`,
  );
  const shared = await measure(infra.database.db);
  console.log(`  through the shared pool     : ${formatLatency(summariseLatency(shared))}`);
  const own = await measure(answerPool.db);
  console.log(`  through its own answer pool : ${formatLatency(summariseLatency(own))}`);
} finally {
  await answerPool.close();
  await provider.close();
  await deleteNamespaceStreams(infra.bus.jsm, infra.namespace).catch(() => undefined);
  await infra.close();
}
