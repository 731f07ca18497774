import { create } from "@bufbuild/protobuf";
import {
  CancelRevokeJobResponseSchema,
  GetPoolStatusResponseSchema,
  GetRevokeJobResponseSchema,
  ItemFilter,
  ItemStatus,
  JobStatus,
  ListRevokeJobsResponseSchema,
  RetryRevokeJobResponseSchema,
  ScopeKind,
  type RevokeItem,
  type RevokeJob,
} from "@warden/proto/jobs/v1";
import {
  flag,
  listOption,
  pagingOptions,
  positional,
  type CommandContext,
  type CommandGroup,
} from "../command.js";
import { enumLabel, formatCount, formatTime } from "../format.js";
import { fetchPages, printNextCursorHint } from "../paging.js";
import { printMessage } from "../print-message.js";
import { printFields, printTable } from "../table.js";
import { watchJob } from "../watch-job.js";
import { EXIT } from "../cli-io.js";

function scopeText(job: RevokeJob): string {
  const kind = enumLabel(ScopeKind, job.scope?.kind ?? 0)
    .toLowerCase()
    .replace(/_/g, "-");
  return `${kind}:${job.scope?.id ?? ""}`;
}

function jobFields(job: RevokeJob | undefined): [string, string][] {
  if (!job) return [];
  const c = job.counts;
  return [
    ["job", job.id],
    ["scope", scopeText(job)],
    ["status", JobStatus[job.status] ?? ""],
    ["run", String(job.run)],
    ["force", String(job.force)],
    ["total", formatCount(c?.total ?? 0n)],
    ["revoked", formatCount(c?.revoked ?? 0n)],
    ["failed", formatCount(c?.failed ?? 0n)],
    ["skipped", formatCount(c?.skipped ?? 0n)],
    ["pending", formatCount(c?.pending ?? 0n)],
    ["cancelled", formatCount(c?.cancelled ?? 0n)],
    ["created", formatTime(job.createdAt)],
    ["finished", formatTime(job.finishedAt)],
  ];
}

/** A job that is over without every item revoked or skipped: scripts get exit code 3. */
function endedBadly(job: RevokeJob | undefined): boolean {
  return job?.status === JobStatus.COMPLETED_WITH_FAILURES || job?.status === JobStatus.CANCELLED;
}

function printJob(ctx: CommandContext, job: RevokeJob | undefined): void {
  printFields(ctx.io.stdout, jobFields(job));
}

function itemRow(item: RevokeItem): string[] {
  return [
    item.connectedAccountId,
    item.externalUserId,
    item.authConfigId,
    String(item.run),
    enumLabel(ItemStatus, item.status),
    String(item.attempts),
    item.errorCode,
    item.errorDescription || item.errorMessage,
    item.wipedLocally ? "yes" : "",
    formatTime(item.updatedAt),
  ];
}

/** `warden jobs …`: revoke jobs, their ledgers, retry, cancel and watch. */
export const jobCommands: CommandGroup = {
  name: "jobs",
  summary: "revoke jobs: get (with the ledger), list, retry, cancel, watch, pool",
  commands: {
    get: {
      usage: "<job-id> [--failed] [--items] [--page-size N] [--cursor C] [--all]",
      summary:
        "show a job; --failed pages its failed-items ledger, --items every item; exits 3 when the job ended with failed items or was cancelled",
      positionals: [1, 1],
      options: { failed: { type: "boolean" }, items: { type: "boolean" }, ...pagingOptions },
      async run(ctx) {
        const jobId = positional(ctx, 0);
        const withItems = flag(ctx, "failed") || flag(ctx, "items");
        const filter = flag(ctx, "failed") ? ItemFilter.FAILED : ItemFilter.ALL;
        let job: RevokeJob | undefined;
        const page = await fetchPages(ctx, async ({ pageSize, cursor }) => {
          const r = await ctx.clients.jobs.getRevokeJob({
            jobId,
            filter,
            pageSize: withItems ? pageSize : 1,
            cursor,
          });
          job = r.job;
          return { items: withItems ? r.items : [], nextCursor: withItems ? r.nextCursor : "" };
        });
        const response = create(GetRevokeJobResponseSchema, {
          job,
          items: page.items,
          nextCursor: page.nextCursor,
        });
        printMessage(ctx, GetRevokeJobResponseSchema, response, () => {
          printJob(ctx, job);
          if (!withItems) return;
          ctx.io.stdout.write(`\n${filter === ItemFilter.FAILED ? "failed items" : "items"}:\n`);
          printTable(
            ctx.io.stdout,
            [
              "account",
              "external user",
              "auth config",
              "run",
              "status",
              "attempts",
              "error code",
              "error",
              "wiped locally",
              "updated",
            ],
            page.items.map(itemRow),
          );
        });
        printNextCursorHint(ctx, page.nextCursor);
        return endedBadly(job) ? EXIT.jobFailures : EXIT.ok;
      },
    },
    list: {
      usage: "[--page-size N] [--cursor C] [--all]",
      summary: "list revoke jobs, newest first",
      options: pagingOptions,
      async run(ctx) {
        const page = await fetchPages(ctx, async ({ pageSize, cursor }) => {
          const r = await ctx.clients.jobs.listRevokeJobs({ pageSize, cursor });
          return { items: r.jobs, nextCursor: r.nextCursor };
        });
        const response = create(ListRevokeJobsResponseSchema, {
          jobs: page.items,
          nextCursor: page.nextCursor,
        });
        printMessage(ctx, ListRevokeJobsResponseSchema, response, () =>
          printTable(
            ctx.io.stdout,
            ["id", "scope", "status", "run", "total", "revoked", "failed", "skipped", "pending", "created"],
            page.items.map((j) => [
              j.id,
              scopeText(j),
              JobStatus[j.status] ?? "",
              String(j.run),
              formatCount(j.counts?.total ?? 0n),
              formatCount(j.counts?.revoked ?? 0n),
              formatCount(j.counts?.failed ?? 0n),
              formatCount(j.counts?.skipped ?? 0n),
              formatCount(j.counts?.pending ?? 0n),
              formatTime(j.createdAt),
            ]),
          ),
        );
        printNextCursorHint(ctx, page.nextCursor);
      },
    },
    retry: {
      usage: "<job-id> [--include-cancelled] [--item <account-id>]... [--watch]",
      summary:
        "start a new run over the failed items (--include-cancelled: also resume cancelled ones; --item: only these)",
      positionals: [1, 1],
      options: {
        watch: { type: "boolean" },
        "include-cancelled": { type: "boolean" },
        item: { type: "string", multiple: true },
      },
      async run(ctx) {
        const response = await ctx.clients.jobs.retryRevokeJob({
          jobId: positional(ctx, 0),
          includeCancelled: flag(ctx, "include-cancelled"),
          connectedAccountIds: listOption(ctx, "item"),
        });
        if (flag(ctx, "watch") && response.job)
          return watchJob(ctx.clients.jobs, response.job.id, ctx.io, ctx.json);
        printMessage(ctx, RetryRevokeJobResponseSchema, response, () => printJob(ctx, response.job));
      },
    },
    cancel: {
      usage: "<job-id>",
      summary: "cancel a job; pending items end CANCELLED",
      positionals: [1, 1],
      async run(ctx) {
        const response = await ctx.clients.jobs.cancelRevokeJob({ jobId: positional(ctx, 0) });
        printMessage(ctx, CancelRevokeJobResponseSchema, response, () => printJob(ctx, response.job));
      },
    },
    watch: {
      usage: "<job-id>",
      summary: "live progress until the job ends (exit 3 when items failed or it was cancelled)",
      positionals: [1, 1],
      async run(ctx) {
        return watchJob(ctx.clients.jobs, positional(ctx, 0), ctx.io, ctx.json);
      },
    },
    pool: {
      usage: "",
      summary: "executor pool status: executors, pending, in flight, per auth config",
      async run(ctx) {
        const response = await ctx.clients.jobs.getPoolStatus({});
        printMessage(ctx, GetPoolStatusResponseSchema, response, () => {
          printFields(ctx.io.stdout, [
            ["executors", String(response.executors)],
            ["pending", formatCount(response.pending)],
            ["in flight", formatCount(response.inFlight)],
            ["redelivered", formatCount(response.redelivered)],
          ]);
          ctx.io.stdout.write("\n");
          printTable(
            ctx.io.stdout,
            ["auth config", "pending", "in flight", "limit"],
            response.authConfigs.map((a) => [
              a.authConfigId,
              formatCount(a.pending),
              formatCount(a.inFlight),
              String(a.concurrencyLimit),
            ]),
          );
        });
      },
    },
  },
};
