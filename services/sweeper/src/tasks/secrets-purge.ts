import type { Database, ScopeKindColumn } from "@warden/db";
import { accountDeletedOutboxEvent } from "@warden/events";
import { enqueueEvents } from "@warden/outbox";
import { createRevokeJobPublisher, startOrJoinRevokeJob } from "@warden/revoke-jobs";
import { sql, type Expression, type SqlBool, type Transaction } from "kysely";
import type { SweeperTask, TaskRunContext } from "../scheduler/sweeper-task.js";
import { BATCH_SIZE, type TaskDeps } from "./task-deps.js";

export interface SecretsPurgeOptions {
  intervalMs: number;
  /** How long a soft-deleted account, auth config or project is kept (undo window) before purging. */
  safetyWindowMs: number;
}

const SCOPES_PER_RUN = 200;

/**
 * secrets-purge: after the safety window, everything soft-deleted (an
 * account, or its auth config or project) whose grant may still be live
 * upstream — ciphertext held, revoked_upstream_at null, a revoke_url to call —
 * gets a revoke job for the widest deleted scope (unless one is in flight, or
 * one finished within the window: a provider that refused is retried once per
 * window, never every interval). Accounts whose grant is gone (revoked
 * upstream, no revoke_url, or no token left to revoke) are hard-deleted with
 * their ciphertexts (leases cascade), then auth configs and projects that no
 * longer have accounts. A deleted account never leaves a live grant behind.
 */
export function createSecretsPurgeTask(deps: TaskDeps, options: SecretsPurgeOptions): SweeperTask {
  return {
    name: "secrets-purge",
    intervalMs: options.intervalMs,
    async run(context) {
      const cutoff = new Date(context.now.getTime() - options.safetyWindowMs);
      const jobsStarted = await startRevokeJobs(deps, cutoff, context);
      const accounts = await deleteSettledAccounts(deps, cutoff, context);
      const { authConfigs, projects } = await deleteEmptyParents(deps, cutoff, context);
      return { jobsStarted, accounts, authConfigs, projects };
    },
  };
}

/** Accounts past the window through their own deletion or a deleted parent. */
function purgeable(cutoff: Date): Expression<SqlBool> {
  return sql<SqlBool>`(a.deleted_at < ${cutoff} or ac.deleted_at < ${cutoff} or p.deleted_at < ${cutoff})`;
}

async function startRevokeJobs(deps: TaskDeps, cutoff: Date, context: TaskRunContext): Promise<number> {
  const scopes = await deps.db
    .selectFrom("connected_accounts as a")
    .innerJoin("auth_configs as ac", "ac.id", "a.auth_config_id")
    .innerJoin("projects as p", "p.id", "a.project_id")
    .select([
      "a.org_id",
      "a.project_id",
      sql<ScopeKindColumn>`case when p.deleted_at < ${cutoff} then 'project' when ac.deleted_at < ${cutoff} then 'auth_config' else 'connected_account' end`.as(
        "scope_kind",
      ),
      sql<string>`case when p.deleted_at < ${cutoff} then p.id when ac.deleted_at < ${cutoff} then ac.id else a.id end`.as(
        "scope_id",
      ),
    ])
    .distinct()
    .where(purgeable(cutoff))
    .where((eb) =>
      eb.or([
        eb("a.access_token_ciphertext", "is not", null),
        eb("a.refresh_token_ciphertext", "is not", null),
      ]),
    )
    .where("a.revoked_upstream_at", "is", null)
    .where("ac.revoke_url", "is not", null)
    .limit(SCOPES_PER_RUN)
    .execute();
  // Nobody waits on this run, so a plan publish may retry; a plan still lost
  // leaves the job planning, and jobs-recovery re-publishes it.
  const publisher = createRevokeJobPublisher({
    bus: deps.bus,
    names: deps.names,
    logger: context.logger,
    planAttempts: 3,
  });
  let started = 0;
  for (const scope of scopes) {
    context.signal.throwIfAborted();
    const recent = await deps.db
      .selectFrom("revoke_jobs")
      .select("id")
      .where("scope_kind", "=", scope.scope_kind)
      .where("scope_id", "=", scope.scope_id)
      .where((eb) => eb.or([eb("status", "in", ["planning", "running"]), eb("finished_at", ">", cutoff)]))
      .executeTakeFirst();
    if (recent) continue;
    const outcome = await startOrJoinRevokeJob(
      { db: deps.db, publisher, logger: context.logger },
      {
        scopeKind: scope.scope_kind,
        scopeId: scope.scope_id,
        orgId: scope.org_id,
        projectId: scope.project_id,
        // Never force: wiping a token the provider did not confirm revoked would leave a live grant we can no longer revoke.
        force: false,
      },
    );
    // A job another caller started meanwhile covers the scope; its plan is its own to publish.
    if (outcome?.created) started++;
  }
  return started;
}

async function deleteSettledAccounts(deps: TaskDeps, cutoff: Date, context: TaskRunContext): Promise<number> {
  let deleted = 0;
  for (;;) {
    context.signal.throwIfAborted();
    // Each batch's `deleted` events (status_reason purged) commit with its delete or not at all.
    const rows = await deps.db.transaction().execute(async (trx) => {
      const purged = await purgeSettledBatch(trx, cutoff);
      await enqueueEvents(
        trx,
        purged.map((account) => accountDeletedOutboxEvent(deps.names, account, "purged")),
      );
      return purged;
    });
    deleted += rows.length;
    if (rows.length < BATCH_SIZE) return deleted;
  }
}

/** Hard-deletes up to BATCH_SIZE settled accounts (leases cascade); returns their ids. */
async function purgeSettledBatch(trx: Transaction<Database>, cutoff: Date) {
  return trx
    .deleteFrom("connected_accounts")
    .where("id", "in", (eb) =>
      eb
        .selectFrom("connected_accounts as a")
        .innerJoin("auth_configs as ac", "ac.id", "a.auth_config_id")
        .innerJoin("projects as p", "p.id", "a.project_id")
        .select("a.id")
        .where(purgeable(cutoff))
        .where((w) =>
          w.or([
            w("a.revoked_upstream_at", "is not", null),
            w("ac.revoke_url", "is", null),
            w.and([w("a.access_token_ciphertext", "is", null), w("a.refresh_token_ciphertext", "is", null)]),
          ]),
        )
        // An in-flight job still working on the account keeps it until its item is final.
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("revoke_items as i")
                .innerJoin("revoke_jobs as j", "j.id", "i.job_id")
                .select("i.account_id")
                .whereRef("i.account_id", "=", "a.id")
                .where("i.status", "=", "pending")
                .where("j.status", "in", ["planning", "running"]),
            ),
          ),
        )
        .limit(BATCH_SIZE),
    )
    .returning(["id", "org_id", "project_id", "auth_config_id"])
    .execute();
}

async function deleteEmptyParents(
  deps: TaskDeps,
  cutoff: Date,
  context: TaskRunContext,
): Promise<{ authConfigs: number; projects: number }> {
  context.signal.throwIfAborted();
  const authConfigs = await deps.db
    .deleteFrom("auth_configs as ac")
    .where("ac.deleted_at", "<", cutoff)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("connected_accounts as a").select("a.id").whereRef("a.auth_config_id", "=", "ac.id"),
        ),
      ),
    )
    .returning("ac.id")
    .execute();
  context.signal.throwIfAborted();
  const projects = await deps.db.transaction().execute(async (trx) => {
    const ids = (
      await trx
        .selectFrom("projects as p")
        .select("p.id")
        .where("p.deleted_at", "<", cutoff)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(selectFrom("auth_configs as ac").select("ac.id").whereRef("ac.project_id", "=", "p.id")),
          ),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("connected_accounts as a").select("a.id").whereRef("a.project_id", "=", "p.id"),
            ),
          ),
        )
        .forUpdate()
        .skipLocked()
        .execute()
    ).map((p) => p.id);
    if (ids.length === 0) return 0;
    // Keys bound to a deleted project can authorise nothing any more.
    await trx.deleteFrom("api_keys").where("project_id", "in", ids).execute();
    return Number(
      (await trx.deleteFrom("projects").where("id", "in", ids).executeTakeFirst()).numDeletedRows,
    );
  });
  return { authConfigs: authConfigs.length, projects };
}
