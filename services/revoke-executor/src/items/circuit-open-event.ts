import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { publishEvent, type Bus, type BusNames } from "@warden/bus";
import type { Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import { AccountEventSchema } from "@warden/proto/events/v1";
import type { Kysely } from "kysely";
import type { BreakerOpened } from "./revoke-breaker.js";

/**
 * The breaker's `onOpen`: publishes `events.account.<account_id>.revoke_circuit_open`
 * (job, auth config, org, project, error code; ids only, never a token) to the
 * events stream with a Nats-Msg-Id per job run and auth config, so a retried
 * publish is recorded once; the sweeper's event router turns it into one
 * notification. Never throws: a lost publish is logged, and the ledger's
 * circuit_open items stay the record.
 */
export function createCircuitOpenPublisher(deps: {
  db: Kysely<Database>;
  bus: Bus;
  names: BusNames;
  logger: Logger;
}): (opened: BreakerOpened) => void {
  const { db, bus, names, logger } = deps;
  const publish = async (opened: BreakerOpened) => {
    const place = await db
      .selectFrom("auth_configs")
      .select(["org_id", "project_id"])
      .where("id", "=", opened.authConfigId)
      .executeTakeFirst();
    const eventId = `circuit-open:${opened.jobId}:${opened.run}:${opened.authConfigId}`;
    const event = create(AccountEventSchema, {
      accountId: opened.accountId,
      orgId: place?.org_id ?? "",
      projectId: place?.project_id ?? "",
      authConfigId: opened.authConfigId,
      jobId: opened.jobId,
      errorCode: opened.errorCode,
      occurredAt: timestampFromDate(new Date()),
      eventId,
    });
    await publishEvent(
      bus.js,
      names.subjects.accountEvent(opened.accountId, "revoke_circuit_open"),
      AccountEventSchema,
      event,
      { msgId: eventId },
    );
  };
  return (opened) => {
    publish(opened).catch((error: unknown) =>
      logger.error(
        {
          jobId: opened.jobId,
          authConfigId: opened.authConfigId,
          err: { message: (error as Error).message },
        },
        "could not publish the revoke breaker's event",
      ),
    );
  };
}
