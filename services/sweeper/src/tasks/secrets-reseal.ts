import {
  clientSecretAssociatedData,
  connectVerifierAssociatedData,
  openAccountToken,
  sealAccountTokens,
  type Keyring,
} from "@warden/crypto";
import type { Database } from "@warden/db";
import type { Kysely } from "kysely";
import { Gauge, type Registry } from "prom-client";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import { BATCH_SIZE } from "./task-deps.js";

/** What secrets-reseal needs: the database, the keyring (first key seals) and, optionally, a metrics registry. */
export interface SecretsResealDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  registry?: Registry;
  /** Called between reading a batch of accounts and re-sealing it: the window a refresh can race (tests use it). */
  afterAccountsRead?: (ids: string[]) => Promise<void>;
}

/** Gauge of ciphertexts per key id after the last run: an old key at 0 can be removed. */
export const SEALED_SECRETS_METRIC = "warden_sealed_secrets";

/**
 * secrets-reseal: re-seals every account token, client secret and pending
 * connect session's PKCE verifier that is not
 * under the active (first) key, in batches, and reports how many ciphertexts
 * each key id still holds (outcome `remaining_<key id>`, metric
 * warden_sealed_secrets{key_id}), so an old key can be shown unused before it
 * is removed from WARDEN_ENCRYPTION_KEYS.
 *
 * Never races a refresh: an account is rewritten only if its token_version is
 * still the one read (a refresh that wrote meanwhile already sealed with the
 * active key), and the version is NOT bumped, so a refresh leader that read
 * the row before the re-seal still lands its fenced write with the new tokens.
 * A client secret is rewritten only if its ciphertext is still the one read.
 */
export function createSecretsResealTask(
  deps: SecretsResealDeps,
  options: { intervalMs: number },
): SweeperTask {
  const gauge = deps.registry
    ? new Gauge({
        name: SEALED_SECRETS_METRIC,
        help: "Ciphertexts (account tokens, client secrets, connect verifiers) per encryption key id after the last re-seal run",
        labelNames: ["key_id"],
        registers: [deps.registry],
      })
    : undefined;
  const active = deps.keyring.activeKeyId;

  return {
    name: "secrets-reseal",
    intervalMs: options.intervalMs,
    async run(context) {
      let accounts = 0;
      let skipped = 0;
      let unreadable = 0;
      let afterAccount = "";
      for (;;) {
        context.signal.throwIfAborted();
        const rows = await deps.db
          .selectFrom("connected_accounts")
          .select([
            "id",
            "auth_config_id",
            "external_user_id",
            "access_token_ciphertext",
            "refresh_token_ciphertext",
            "token_key_id",
            "token_version",
          ])
          .where("token_key_id", "is not", null)
          .where("token_key_id", "!=", active)
          .where("access_token_ciphertext", "is not", null)
          .where("id", ">", afterAccount)
          .orderBy("id")
          .limit(BATCH_SIZE)
          .execute();
        if (rows.length === 0) break;
        afterAccount = rows[rows.length - 1]!.id;
        await deps.afterAccountsRead?.(rows.map((r) => r.id));
        for (const row of rows) {
          const binding = { authConfigId: row.auth_config_id, externalUserId: row.external_user_id };
          const keyId = row.token_key_id!;
          let access: string;
          let refresh: string | null;
          try {
            access = openAccountToken(deps.keyring, binding, "access", {
              ciphertext: row.access_token_ciphertext!,
              keyId,
            });
            refresh = row.refresh_token_ciphertext
              ? openAccountToken(deps.keyring, binding, "refresh", {
                  ciphertext: row.refresh_token_ciphertext,
                  keyId,
                })
              : null;
          } catch {
            // A key this replica lacks, or a damaged row: counted (it stays in
            // remaining_<key id>), never fatal for the rest of the run.
            unreadable++;
            continue;
          }
          const sealed = sealAccountTokens(deps.keyring, binding, { access, refresh });
          const result = await deps.db
            .updateTable("connected_accounts")
            .set({
              access_token_ciphertext: sealed.access,
              refresh_token_ciphertext: sealed.refresh,
              token_key_id: sealed.keyId,
            })
            .where("id", "=", row.id)
            .where("token_version", "=", row.token_version)
            .where("token_key_id", "=", keyId)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) === 1) accounts++;
          else skipped++;
        }
      }

      const clientSecrets = await resealColumn(deps.keyring, context.signal, {
        read: (afterId) =>
          deps.db
            .selectFrom("auth_configs")
            .select(["id", "client_secret_ciphertext as ciphertext", "client_secret_key_id as keyId"])
            .where("client_secret_key_id", "is not", null)
            .where("client_secret_key_id", "!=", active)
            .where("client_secret_ciphertext", "is not", null)
            .where("id", ">", afterId)
            .orderBy("id")
            .limit(BATCH_SIZE)
            .execute() as Promise<SealedRow[]>,
        associatedData: clientSecretAssociatedData,
        write: async (id, old, sealed) => {
          const result = await deps.db
            .updateTable("auth_configs")
            .set({ client_secret_ciphertext: sealed.ciphertext, client_secret_key_id: sealed.keyId })
            .where("id", "=", id)
            .where("client_secret_ciphertext", "=", old)
            .executeTakeFirst();
          return Number(result.numUpdatedRows) === 1;
        },
      });
      // Connect sessions' PKCE verifiers live minutes, but a key removed while one is pending
      // would fail that user's consent: they are re-sealed and counted like the rest. One the
      // callback used (and wiped) meanwhile is left alone.
      const verifiers = await resealColumn(deps.keyring, context.signal, {
        read: (afterId) =>
          deps.db
            .selectFrom("connect_sessions")
            .select(["id", "code_verifier_ciphertext as ciphertext", "code_verifier_key_id as keyId"])
            .where("code_verifier_key_id", "is not", null)
            .where("code_verifier_key_id", "!=", active)
            .where("code_verifier_ciphertext", "is not", null)
            .where("id", ">", afterId)
            .orderBy("id")
            .limit(BATCH_SIZE)
            .execute() as Promise<SealedRow[]>,
        associatedData: connectVerifierAssociatedData,
        write: async (id, old, sealed) => {
          const result = await deps.db
            .updateTable("connect_sessions")
            .set({ code_verifier_ciphertext: sealed.ciphertext, code_verifier_key_id: sealed.keyId })
            .where("id", "=", id)
            .where("code_verifier_ciphertext", "=", old)
            .executeTakeFirst();
          return Number(result.numUpdatedRows) === 1;
        },
      });
      skipped += clientSecrets.skipped + verifiers.skipped;
      unreadable += clientSecrets.unreadable + verifiers.unreadable;

      const remaining = await sealedPerKey(deps.db);
      gauge?.reset();
      for (const [keyId, count] of Object.entries(remaining)) gauge?.set({ key_id: keyId }, count);
      if (unreadable > 0)
        context.logger.warn({ unreadable }, "ciphertexts this keyring cannot open were left as they are");
      return {
        resealed_accounts: accounts,
        resealed_client_secrets: clientSecrets.resealed,
        resealed_connect_verifiers: verifiers.resealed,
        skipped_changed_meanwhile: skipped,
        unreadable,
        ...Object.fromEntries(Object.entries(remaining).map(([keyId, n]) => [`remaining_${keyId}`, n])),
      };
    },
  };
}

/** A row holding one sealed secret: what a column re-seal reads. */
interface SealedRow {
  id: string;
  ciphertext: Buffer;
  keyId: string;
}

/** One table's single-ciphertext column, as resealColumn walks it. */
interface SealedColumn {
  /** The next batch not under the active key, after `afterId` in id order. */
  read(afterId: string): Promise<SealedRow[]>;
  associatedData(id: string): string;
  /** Stores `sealed` only if `old` is still there; true when it did. */
  write(id: string, old: Buffer, sealed: { ciphertext: Buffer; keyId: string }): Promise<boolean>;
}

/** Re-seals every ciphertext of `column` under the keyring's first key, batch by batch. */
async function resealColumn(keyring: Keyring, signal: AbortSignal, column: SealedColumn) {
  const counts = { resealed: 0, skipped: 0, unreadable: 0 };
  let afterId = "";
  for (;;) {
    signal.throwIfAborted();
    const rows = await column.read(afterId);
    if (rows.length === 0) return counts;
    afterId = rows[rows.length - 1]!.id;
    for (const row of rows) {
      const associated = column.associatedData(row.id);
      let plaintext: string;
      try {
        plaintext = keyring.open({ ciphertext: row.ciphertext, keyId: row.keyId }, associated);
      } catch {
        // A key this replica lacks, or a damaged row: it stays in remaining_<key id>.
        counts.unreadable++;
        continue;
      }
      if (await column.write(row.id, row.ciphertext, keyring.seal(plaintext, associated))) counts.resealed++;
      else counts.skipped++;
    }
  }
}

/** How many ciphertexts each key id holds, over account tokens, client secrets and connect verifiers. */
export async function sealedPerKey(db: Kysely<Database>): Promise<Record<string, number>> {
  const tokens = await db
    .selectFrom("connected_accounts")
    .select(["token_key_id as key_id", (eb) => eb.fn.countAll<string>().as("n")])
    .where("token_key_id", "is not", null)
    .where("access_token_ciphertext", "is not", null)
    .groupBy("token_key_id")
    .execute();
  const secrets = await db
    .selectFrom("auth_configs")
    .select(["client_secret_key_id as key_id", (eb) => eb.fn.countAll<string>().as("n")])
    .where("client_secret_key_id", "is not", null)
    .where("client_secret_ciphertext", "is not", null)
    .groupBy("client_secret_key_id")
    .execute();
  const verifiers = await db
    .selectFrom("connect_sessions")
    .select(["code_verifier_key_id as key_id", (eb) => eb.fn.countAll<string>().as("n")])
    .where("code_verifier_key_id", "is not", null)
    .where("code_verifier_ciphertext", "is not", null)
    .groupBy("code_verifier_key_id")
    .execute();
  const counts: Record<string, number> = {};
  for (const row of [...tokens, ...secrets, ...verifiers])
    counts[row.key_id!] = (counts[row.key_id!] ?? 0) + Number(row.n);
  return counts;
}
