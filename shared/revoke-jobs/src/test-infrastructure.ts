// Test support (not a test): the real PostgreSQL and NATS in a namespace of
// this test file's own, a logger whose lines are kept, and stream probes.
import { fromBinary } from "@bufbuild/protobuf";
import { busNames, connectBus, ensureStreams, type Bus, type BusNames } from "@warden/bus";
import { createDatabase, dropNamespaceSchema, migrateToLatest, type DatabaseHandle } from "@warden/db";
import { newId } from "@warden/ids";
import { createLogger, type Logger } from "@warden/logger";
import { RevokePlanSchema, type RevokePlan } from "@warden/proto/work/v1";
import { testNamespace } from "@warden/testkit";

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

export interface TestInfrastructure {
  database: DatabaseHandle;
  bus: Bus;
  names: BusNames;
  logger: Logger;
  logLines: string[];
  /** A bus whose connection is already closed: every publish fails at once. */
  closedBus(): Promise<Bus>;
  /** How many messages `stream` holds on `subject`. */
  countOn(stream: string, subject: string): Promise<number>;
  /** Every RevokePlan the plan stream holds, oldest first. */
  plans(): Promise<RevokePlan[]>;
  /** A fresh org id (revoke_jobs.org_id references orgs). */
  seedOrg(): Promise<string>;
  close(): Promise<void>;
}

/** Opens PostgreSQL (migrated) and NATS (streams provisioned) in a fresh namespace; close() drops the schema. */
export async function openTestInfrastructure(label: string): Promise<TestInfrastructure> {
  const namespace = testNamespace(label);
  const logLines: string[] = [];
  // pino writes each line to any object with write(); keeping them is all the tests need.
  const destination = { write: (line: string) => void logLines.push(line) };
  const logger = createLogger({ service: "revoke-jobs-test", level: "debug", destination });
  const database = createDatabase({ url: DATABASE_URL, namespace });
  await migrateToLatest(database.db, namespace);
  const bus = await connectBus({ servers: NATS_URL.split(","), name: `${namespace}:test` });
  await ensureStreams(bus.jsm, namespace);
  return {
    database,
    bus,
    names: busNames(namespace),
    logger,
    logLines,
    async closedBus() {
      const closed = await connectBus({ servers: NATS_URL.split(","), name: `${namespace}:closed` });
      await closed.close();
      return closed;
    },
    async countOn(stream, subject) {
      const info = await bus.jsm.streams.info(stream, { subjects_filter: subject });
      return (info.state.subjects as Record<string, number> | undefined)?.[subject] ?? 0;
    },
    async plans() {
      const stream = busNames(namespace).streams.revokePlan;
      const { state } = await bus.jsm.streams.info(stream);
      const plans: RevokePlan[] = [];
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        const stored = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
        if (stored) plans.push(fromBinary(RevokePlanSchema, stored.data));
      }
      return plans;
    },
    async seedOrg() {
      const id = newId("org");
      await database.db.insertInto("orgs").values({ id, name: id }).execute();
      return id;
    },
    async close() {
      await bus.close();
      await dropNamespaceSchema(database.db, namespace);
      await database.close();
    },
  };
}
