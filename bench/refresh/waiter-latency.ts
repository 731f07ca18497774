// (a) How late are waiters woken after the leader's refresh completes?
// Followers are separate coordinators (as in other replicas), so they go
// through the Redis lock and the NATS event, not the in-process promise.
// Baseline: the same followers sleep-polling the database every 50 ms.
import { setTimeout as sleep } from "node:timers/promises";
import type { MockProvider } from "@warden/mock-provider";
import { buildTokenRefreshDeps } from "../../services/token-refresh/src/build-token-refresh.js";
import {
  findTokenAccount,
  type TokenAccount,
} from "../../services/token-refresh/src/repositories/token-accounts.repository.js";
import { seedAccount, type TestTenant } from "../../services/token-refresh/src/test-fixtures.js";
import {
  testSettings,
  type TestInfrastructure,
} from "../../services/token-refresh/src/test-token-refresh.js";
import { summariseLatency, type LatencySummary } from "./latency-summary.js";

const POLL_INTERVAL_MS = 50;
const WARMUP_TRIALS = 3;

export interface WaiterLatencyOptions {
  infra: TestInfrastructure;
  provider: MockProvider;
  tenant: TestTenant;
  trials: number;
  /** Replicas (separate coordinators) waiting on the leader. */
  followerReplicas: number;
  /** Concurrent callers in each follower replica (they share its in-process flight). */
  callersPerReplica: number;
}

/**
 * Runs both strategies over the same trials and returns the waiting callers'
 * extra latency after the leader's refresh resolved. The sleep-poll baseline
 * has every caller poll the database, as a naive implementation would.
 */
export async function measureWaiterLatency(
  options: WaiterLatencyOptions,
): Promise<{ event: LatencySummary; poll: LatencySummary; floor: LatencySummary }> {
  const { infra, provider, tenant } = options;
  const build = () =>
    buildTokenRefreshDeps({
      settings: testSettings(infra.namespace, { WARDEN_TOKEN_CACHE_MS: 0 }),
      db: infra.database.db,
      redis: infra.redis,
      bus: infra.bus,
      keyring: infra.keyring,
      logger: infra.logger,
    });
  const leader = build();
  const followers = Array.from({ length: options.followerReplicas }, build);
  const callers = followers.flatMap((f) => Array.from({ length: options.callersPerReplica }, () => f));
  provider.configure({ latencyMs: 100 });

  async function expiredAccount(): Promise<TokenAccount> {
    const seed = provider.issueTokens();
    const id = await seedAccount(infra.database.db, infra.keyring, tenant, {
      access: seed.access_token,
      refresh: seed.refresh_token,
      expiresAt: new Date(Date.now() - 1_000),
    });
    return (await findTokenAccount(infra.database.db, id))!;
  }

  async function pollUntilChanged(seen: TokenAccount): Promise<number> {
    for (;;) {
      await sleep(POLL_INTERVAL_MS);
      const row = await findTokenAccount(infra.database.db, seen.id);
      if (row && row.token_version !== seen.token_version) return performance.now();
    }
  }

  const event: number[] = [];
  const poll: number[] = [];
  for (let trial = -WARMUP_TRIALS; trial < options.trials; trial++) {
    for (const strategy of ["event", "poll"] as const) {
      const seen = await expiredAccount();
      let leaderDone = 0;
      const leading = leader.coordinator.refresh(seen).then(() => (leaderDone = performance.now()));
      await sleep(20); // the leader holds the lock before the followers arrive
      const woken = await Promise.all(
        callers.map((f) =>
          strategy === "event"
            ? f.coordinator.refresh(seen).then(() => performance.now())
            : pollUntilChanged(seen),
        ),
      );
      await leading;
      if (trial < 0) continue; // warm-up: JIT, pools, first subscriptions
      for (const at of woken) (strategy === "event" ? event : poll).push(Math.max(0, at - leaderDone));
      if (process.env.BENCH_DEBUG)
        console.log(trial, strategy, woken.map((at) => (at - leaderDone).toFixed(1)).join(" "));
    }
  }
  provider.configure({ latencyMs: 0 });
  for (const d of [leader, ...followers]) d.close();
  return { event: summariseLatency(event), poll: summariseLatency(poll), floor: await measureFloor(infra) };
}

/**
 * The least any cross-process wake can cost on this machine right now: one
 * NATS publish-to-subscriber hop plus one primary-key read, in this process.
 */
async function measureFloor(infra: TestInfrastructure): Promise<LatencySummary> {
  const subject = `${infra.namespace}.bench.floor`;
  const samples: number[] = [];
  let received: (() => void) | undefined;
  const subscription = infra.bus.nc.subscribe(subject, { callback: () => received?.() });
  await infra.bus.nc.flush();
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    const arrived = new Promise<void>((resolve) => (received = resolve));
    infra.bus.nc.publish(subject);
    await arrived;
    await findTokenAccount(infra.database.db, "ca_floor");
    samples.push(performance.now() - started);
  }
  subscription.unsubscribe();
  return summariseLatency(samples);
}
