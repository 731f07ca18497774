import { publishWorkBatch } from "@warden/bus";
import { authConfigRefreshFailureKey } from "@warden/redis";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import { BATCH_SIZE, type TaskDeps } from "./task-deps.js";

export interface RefreshAheadOptions {
  intervalMs: number;
  /** Accounts whose access token expires within this window are refreshed now. */
  windowMs: number;
}

/**
 * refresh-ahead: publishes `refresh.due` for every ACTIVE, not deleted
 * account with a refresh token whose access token expires within the window.
 * Msg id `due:<account>:<token_version>`: one request per token version inside
 * the stream's duplicate window, and a fresh one once the version moved on
 * (or the window passed without a refresh — a natural retry). Accounts of an
 * auth config with a cached app-level failure (invalid_client …) are skipped:
 * every refresh would fail the same way until the client is fixed.
 */
export function createRefreshAheadTask(deps: TaskDeps, options: RefreshAheadOptions): SweeperTask {
  return {
    name: "refresh-ahead",
    intervalMs: options.intervalMs,
    async run(context) {
      const horizon = new Date(context.now.getTime() + options.windowMs);
      let after = "";
      let published = 0;
      let skippedFaulty = 0;
      for (;;) {
        context.signal.throwIfAborted();
        const accounts = await deps.db
          .selectFrom("connected_accounts")
          .select(["id", "auth_config_id", "token_version"])
          .where("status", "=", "active")
          .where("deleted_at", "is", null)
          .where("expires_at", "<", horizon)
          .where("refresh_token_ciphertext", "is not", null)
          .where("id", ">", after)
          .orderBy("id")
          .limit(BATCH_SIZE)
          .execute();
        if (accounts.length === 0) break;
        after = accounts[accounts.length - 1]!.id;
        const authConfigs = [...new Set(accounts.map((a) => a.auth_config_id))];
        const faults = await deps.redis.mget(authConfigs.map(authConfigRefreshFailureKey));
        const faulty = new Set(authConfigs.filter((_, i) => faults[i] !== null));
        const due = accounts.filter((a) => !faulty.has(a.auth_config_id));
        skippedFaulty += accounts.length - due.length;
        if (due.length === 0) continue;
        await publishWorkBatch(
          deps.bus.nc,
          due.map((account) => ({
            subject: deps.names.subjects.refreshDue,
            schema: RefreshDueSchema,
            message: { accountId: account.id },
            msgId: `due:${account.id}:${account.token_version}`,
          })),
        );
        published += due.length;
      }
      return { published, skippedFaulty };
    },
  };
}
