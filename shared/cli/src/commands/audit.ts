import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ActorKind, ListAuditEventsResponseSchema, type AuditEvent } from "@warden/proto/audit/v1";
import { pagingOptions, stringOption, type CommandContext, type CommandGroup } from "../command.js";
import { enumLabel, formatTime, parseTime } from "../format.js";
import { fetchPages, printNextCursorHint } from "../paging.js";
import { printMessage } from "../print-message.js";
import { printTable } from "../table.js";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// Audit questions look back ("what happened in the last hour"), so a bare
// duration such as 30m, 24h or 7d means that long ago; ISO times work too.
function timeOption(ctx: CommandContext, name: string) {
  const value = stringOption(ctx, name);
  if (value === undefined) return undefined;
  const ago = /^(\d+)([smhd])$/.exec(value);
  const date = ago ? new Date(Date.now() - Number(ago[1]) * UNIT_MS[ago[2]!]!) : parseTime(name, value);
  return timestampFromDate(date);
}

function actorText(event: AuditEvent): string {
  const kind = enumLabel(ActorKind, event.actorKind);
  return event.actorId ? `${kind} ${event.actorId}` : kind;
}

/** `warden audit list`: the audit log, newest first (operator key: every org; API key: audit:read, own org). */
export const auditCommands: CommandGroup = {
  name: "audit",
  summary: "read the audit log (operator key, or an API key with audit:read)",
  commands: {
    list: {
      usage:
        "[--action A] [--actor ID] [--object ID] [--outcome O] [--org ORG] [--since T] [--until T] [--page-size N] [--cursor C] [--all]",
      summary:
        "list audit events, newest first; --since/--until take an ISO time or a duration ago (30m, 24h, 7d)",
      options: {
        ...pagingOptions,
        action: { type: "string" },
        actor: { type: "string" },
        object: { type: "string" },
        outcome: { type: "string" },
        org: { type: "string" },
        since: { type: "string" },
        until: { type: "string" },
      },
      async run(ctx) {
        const filters = {
          orgId: stringOption(ctx, "org") ?? "",
          action: stringOption(ctx, "action") ?? "",
          actorId: stringOption(ctx, "actor") ?? "",
          objectId: stringOption(ctx, "object") ?? "",
          outcome: stringOption(ctx, "outcome") ?? "",
          since: timeOption(ctx, "since"),
          until: timeOption(ctx, "until"),
        };
        const page = await fetchPages(ctx, async ({ pageSize, cursor }) => {
          const r = await ctx.clients.audit.listAuditEvents({ ...filters, pageSize, cursor });
          return { items: r.events, nextCursor: r.nextCursor };
        });
        const response = create(ListAuditEventsResponseSchema, {
          events: page.items,
          nextCursor: page.nextCursor,
        });
        printMessage(ctx, ListAuditEventsResponseSchema, response, () =>
          printTable(
            ctx.io.stdout,
            ["time", "actor", "org", "action", "outcome", "objects", "client", "reason"],
            page.items.map((e) => [
              formatTime(e.occurredAt),
              actorText(e),
              e.orgId,
              e.action.replace(/^warden\./, ""),
              e.outcome,
              e.objectIds.join(","),
              e.clientAddress,
              e.reason,
            ]),
          ),
        );
        printNextCursorHint(ctx, page.nextCursor);
      },
    },
  },
};
