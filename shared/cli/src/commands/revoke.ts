import { Code, ConnectError } from "@connectrpc/connect";
import {
  CreateRevokeJobResponseSchema,
  JobStatus,
  RevokeJobSchema,
  ScopeKind,
  type RevokeJob,
  type RevokePreview,
} from "@warden/proto/jobs/v1";
import { create } from "@bufbuild/protobuf";
import { flag, requiredOption, type CommandGroup } from "../command.js";
import { enumLabel } from "../format.js";
import { parseScope } from "../scope-arg.js";
import { printMessage } from "../print-message.js";
import { printFields, printTable } from "../table.js";
import { watchJob } from "../watch-job.js";
import { UsageError } from "../cli-io.js";
import type { CommandContext } from "../command.js";
import { formatCount } from "../format.js";

/** The dry run's table: one row per auth config, then the total; nothing was started. */
function printPreview(ctx: CommandContext, preview: RevokePreview | undefined): void {
  const rows = (preview?.authConfigs ?? []).map((c) => [
    c.authConfigId,
    c.name,
    c.projectId,
    c.provider,
    formatCount(c.total),
    formatCount(c.active),
    formatCount(c.needsReconnect),
    formatCount(c.revoked),
    c.revokesAtProvider ? "yes" : "no (wiped locally, SKIPPED)",
  ]);
  printTable(
    ctx.io.stdout,
    [
      "auth config",
      "name",
      "project",
      "provider",
      "accounts",
      "active",
      "needs reconnect",
      "revoked",
      "revokes at provider",
    ],
    rows,
  );
  ctx.io.stdout.write(
    `\ndry run: ${formatCount(preview?.totalAccounts ?? 0n)} accounts would be revoked; nothing was started\n`,
  );
}

/** `warden revoke --scope kind:id [--force] [--watch]`: starts (or joins) a revoke job. */
export const revokeCommand: CommandGroup = {
  name: "revoke",
  summary: "revoke every token in a scope as a durable job; --watch shows live progress",
  command: {
    usage: "--scope <org|project|auth-config|account>:<id> [--force] [--watch | --dry-run]",
    summary:
      "start a revoke job (joins the one in flight for the same scope); --force wipes local tokens even where the provider does not confirm; --dry-run only prints what it would revoke, per auth config, and starts nothing. With --watch exits 0 when all items revoked or skipped, 3 when some failed or the job was cancelled",
    options: {
      scope: { type: "string" },
      force: { type: "boolean" },
      watch: { type: "boolean" },
      "dry-run": { type: "boolean" },
    },
    async run(ctx) {
      const scope = parseScope(requiredOption(ctx, "scope"));
      if (flag(ctx, "dry-run")) {
        if (flag(ctx, "watch")) throw new UsageError("--dry-run starts no job to --watch");
        const response = await ctx.clients.jobs.createRevokeJob({ scope, dryRun: true });
        printMessage(ctx, CreateRevokeJobResponseSchema, response, () => printPreview(ctx, response.preview));
        return;
      }
      let job: RevokeJob;
      try {
        const response = await ctx.clients.jobs.createRevokeJob({ scope, force: flag(ctx, "force") });
        job = response.job ?? create(RevokeJobSchema);
      } catch (error) {
        // A job for this scope is already running: that is the job the operator wants to see.
        const inFlight =
          error instanceof ConnectError && error.code === Code.AlreadyExists
            ? error.findDetails(RevokeJobSchema)[0]
            : undefined;
        if (!inFlight) throw error;
        ctx.io.stderr.write(`a revoke job for this scope is already in flight: joining ${inFlight.id}\n`);
        job = inFlight;
      }
      if (flag(ctx, "watch")) return watchJob(ctx.clients.jobs, job.id, ctx.io, ctx.json);
      printMessage(ctx, CreateRevokeJobResponseSchema, create(CreateRevokeJobResponseSchema, { job }), () =>
        printFields(ctx.io.stdout, [
          ["job", job.id],
          [
            "scope",
            `${enumLabel(ScopeKind, job.scope?.kind ?? 0)
              .toLowerCase()
              .replace(/_/g, "-")}:${job.scope?.id ?? ""}`,
          ],
          ["status", JobStatus[job.status]],
          ["force", String(job.force)],
          ["watch", `warden jobs watch ${job.id}`],
        ]),
      );
    },
  },
};
