import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { principalOf, requireScope } from "@warden/auth";
import {
  GetPoolStatusResponseSchema,
  type GetPoolStatusRequest,
  type GetPoolStatusResponse,
} from "@warden/proto/jobs/v1";
import { EXECUTOR_HEARTBEAT_PATTERN, EXECUTOR_REDELIVERED_KEY, type Redis } from "@warden/redis";
import { z } from "zod";
import type { GatewayDeps } from "../gateway-deps.js";
import {
  authConfigsInTenant,
  pendingByAuthConfig,
  pendingOfInFlightJobs,
} from "../repositories/jobs.repository.js";

const counter = z.number().int().nonnegative().catch(0);
const heartbeatSchema = z.object({
  instance: z.string(),
  inFlight: counter,
  redelivered: counter,
  authConfigs: z.record(z.string(), z.object({ inFlight: counter, limit: counter })).catch({}),
});
type Heartbeat = z.output<typeof heartbeatSchema>;

/**
 * Every live executor heartbeat. ioredis prefixes the keys of commands but
 * not SCAN's MATCH pattern, and SCAN returns full keys: hence the prefix
 * handling here.
 */
async function readHeartbeats(redis: Redis, namespace: string): Promise<Heartbeat[]> {
  const prefix = `${namespace}:`;
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(
      cursor,
      "MATCH",
      `${prefix}${EXECUTOR_HEARTBEAT_PATTERN}`,
      "COUNT",
      500,
    );
    cursor = next;
    keys.push(...batch.map((k) => k.slice(prefix.length)));
  } while (cursor !== "0");
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const beats: Heartbeat[] = [];
  for (const value of values) {
    if (value === null) continue; // expired between SCAN and MGET
    try {
      const parsed = heartbeatSchema.safeParse(JSON.parse(value));
      if (parsed.success) beats.push(parsed.data);
    } catch {
      // A malformed heartbeat counts as no executor rather than failing the call.
    }
  }
  return beats;
}

/**
 * GetPoolStatus (scope jobs:read). executors and redelivered (a running
 * total) describe the shared pool; pending, in_flight and the per-auth-config lines cover only
 * the caller's tenant, so no other tenant's auth config ids or load leak.
 */
export function createPoolStatusHandler(deps: GatewayDeps) {
  const { db, redis, namespace } = deps;

  return async function getPoolStatus(
    _req: GetPoolStatusRequest,
    ctx: HandlerContext,
  ): Promise<GetPoolStatusResponse> {
    const principal = requireScope(principalOf(ctx), "jobs:read");
    const tenant = { orgId: principal.orgId, projectId: principal.projectId };
    const [beats, redelivered, pending, pendingRows] = await Promise.all([
      readHeartbeats(redis, namespace),
      redis.get(EXECUTOR_REDELIVERED_KEY),
      pendingOfInFlightJobs(db, tenant),
      pendingByAuthConfig(db, tenant),
    ]);
    const load = new Map<string, { pending: number; inFlight: number; limit: number }>();
    for (const row of pendingRows)
      load.set(row.authConfigId, { pending: row.pending, inFlight: 0, limit: 0 });
    const reported = [...new Set(beats.flatMap((b) => Object.keys(b.authConfigs)))];
    const visible = await authConfigsInTenant(db, tenant, reported);
    for (const beat of beats) {
      for (const [authConfigId, slot] of Object.entries(beat.authConfigs)) {
        if (!visible.has(authConfigId)) continue;
        const line = load.get(authConfigId) ?? { pending: 0, inFlight: 0, limit: 0 };
        line.inFlight += slot.inFlight;
        // Each executor bounds its own calls per auth config; the pool's bound is the sum.
        line.limit += slot.limit;
        load.set(authConfigId, line);
      }
    }
    const lines = [...load.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    return create(GetPoolStatusResponseSchema, {
      executors: beats.length,
      pending: BigInt(pending),
      inFlight: BigInt(lines.reduce((sum, [, line]) => sum + line.inFlight, 0)),
      // The pool's running total, not the live replicas' sum: it must not drop when one exits.
      redelivered: BigInt(/^\d+$/.test(redelivered ?? "") ? redelivered! : 0),
      authConfigs: lines.map(([authConfigId, line]) => ({
        authConfigId,
        pending: BigInt(line.pending),
        inFlight: BigInt(line.inFlight),
        concurrencyLimit: line.limit,
      })),
    });
  };
}
