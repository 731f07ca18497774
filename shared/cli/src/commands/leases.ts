import { create } from "@bufbuild/protobuf";
import {
  CheckinLeaseResponseSchema,
  CheckoutAccountResponseSchema,
  GetLeaseResponseSchema,
  LeaseStatus,
  ListLeasesResponseSchema,
  RevokeLeaseResponseSchema,
  type Lease,
} from "@warden/proto/leases/v1";
import {
  pagingOptions,
  positional,
  requiredOption,
  stringOption,
  type CommandContext,
  type CommandGroup,
} from "../command.js";
import { enumLabel, formatTime, parseEnum } from "../format.js";
import { fetchPages, printNextCursorHint } from "../paging.js";
import { printMessage } from "../print-message.js";
import { printFields, printTable } from "../table.js";

function leaseFields(lease: Lease | undefined): [string, string][] {
  return [
    ["lease", lease?.id ?? ""],
    ["account", lease?.accountId ?? ""],
    ["holder", lease?.holder ?? ""],
    ["purpose", lease?.purpose ?? ""],
    ["status", enumLabel(LeaseStatus, lease?.status ?? 0)],
    ["expires", formatTime(lease?.expiresAt)],
    ["ended", formatTime(lease?.endedAt)],
  ];
}

function printLease(ctx: CommandContext, lease: Lease | undefined): void {
  printFields(ctx.io.stdout, leaseFields(lease));
}

/** `warden leases …`: time-bound grants on one connected account. */
export const leaseCommands: CommandGroup = {
  name: "leases",
  summary: "time-bound leases on connected accounts",
  commands: {
    checkout: {
      usage: "<account-id> --holder <name> --ttl <45m|24h|7d> [--purpose <text>]",
      summary: "lease an account; the lease token is printed once",
      positionals: [1, 1],
      options: { holder: { type: "string" }, ttl: { type: "string" }, purpose: { type: "string" } },
      async run(ctx) {
        const response = await ctx.clients.leases.checkoutAccount({
          accountId: positional(ctx, 0),
          holder: requiredOption(ctx, "holder"),
          ttl: requiredOption(ctx, "ttl"),
          purpose: stringOption(ctx, "purpose") ?? "",
        });
        // The one place the CLI prints a lease token: checkout exists to hand it out.
        printMessage(ctx, CheckoutAccountResponseSchema, response, () => {
          printFields(ctx.io.stdout, [...leaseFields(response.lease), ["lease token", response.leaseToken]]);
          ctx.io.stderr.write("store the lease token now: it is shown only once\n");
        });
      },
    },
    get: {
      usage: "<lease-id>",
      summary: "show one lease",
      positionals: [1, 1],
      async run(ctx) {
        const response = await ctx.clients.leases.getLease({ leaseId: positional(ctx, 0) });
        printMessage(ctx, GetLeaseResponseSchema, response, () => printLease(ctx, response.lease));
      },
    },
    list: {
      usage:
        "[--account <ca>] [--status active|checked-in|revoked|expired] [--page-size N] [--cursor C] [--all]",
      summary: "list leases",
      options: { account: { type: "string" }, status: { type: "string" }, ...pagingOptions },
      async run(ctx) {
        const status = stringOption(ctx, "status");
        const filter = {
          accountId: stringOption(ctx, "account") ?? "",
          status: status ? parseEnum("--status", LeaseStatus, status) : LeaseStatus.UNSPECIFIED,
        };
        const page = await fetchPages(ctx, async ({ pageSize, cursor }) => {
          const r = await ctx.clients.leases.listLeases({ ...filter, pageSize, cursor });
          return { items: r.leases, nextCursor: r.nextCursor };
        });
        const response = create(ListLeasesResponseSchema, {
          leases: page.items,
          nextCursor: page.nextCursor,
        });
        printMessage(ctx, ListLeasesResponseSchema, response, () =>
          printTable(
            ctx.io.stdout,
            ["id", "account", "holder", "status", "expires", "purpose"],
            page.items.map((l) => [
              l.id,
              l.accountId,
              l.holder,
              enumLabel(LeaseStatus, l.status),
              formatTime(l.expiresAt),
              l.purpose,
            ]),
          ),
        );
        printNextCursorHint(ctx, page.nextCursor);
      },
    },
    checkin: {
      usage: "<lease-id>",
      summary: "hand a lease back; its token stops working at once",
      positionals: [1, 1],
      async run(ctx) {
        const response = await ctx.clients.leases.checkinLease({ leaseId: positional(ctx, 0) });
        printMessage(ctx, CheckinLeaseResponseSchema, response, () => printLease(ctx, response.lease));
      },
    },
    revoke: {
      usage: "<lease-id>",
      summary: "revoke a lease; its token stops working at once",
      positionals: [1, 1],
      async run(ctx) {
        const response = await ctx.clients.leases.revokeLease({ leaseId: positional(ctx, 0) });
        printMessage(ctx, RevokeLeaseResponseSchema, response, () => printLease(ctx, response.lease));
      },
    },
  },
};
