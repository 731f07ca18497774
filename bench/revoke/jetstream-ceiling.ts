import { busNames, publishWorkBatch, type Bus } from "@warden/bus";
import { RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { AckPolicy } from "nats";

const JOB = "pj_benchceiling";

/** Work items per second stored by publishWorkBatch (pipelined, PubAcks awaited), on the real items stream. */
export async function publishRate(bus: Bus, namespace: string, count: number): Promise<number> {
  const subject = busNames(namespace).subjects.revokeItem(JOB);
  const started = performance.now();
  await publishWorkBatch(
    bus.nc,
    (function* () {
      for (let i = 0; i < count; i++) {
        yield {
          subject,
          schema: RevokeWorkItemSchema,
          message: { jobId: JOB, run: 1, accountId: `ca_${i}`, authConfigId: "ac_x" },
          msgId: `bench:${i}`,
        };
      }
    })(),
    { window: 1024 },
  );
  return count / ((performance.now() - started) / 1000);
}

/** Messages per second consumed and acked from what publishRate stored, through a durable pull consumer. */
export async function consumeAckRate(bus: Bus, namespace: string, count: number): Promise<number> {
  const names = busNames(namespace);
  const durable = "BENCH_CEILING";
  await bus.jsm.consumers.add(names.streams.revokeItems, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    filter_subject: names.subjects.revokeItem(JOB),
    max_ack_pending: 10_000,
  });
  const consumer = await bus.js.consumers.get(names.streams.revokeItems, durable);
  const started = performance.now();
  const messages = await consumer.consume({ max_messages: 1_000 });
  let seen = 0;
  for await (const msg of messages) {
    msg.ack();
    if (++seen >= count) break;
  }
  const rate = count / ((performance.now() - started) / 1000);
  await bus.jsm.consumers.delete(names.streams.revokeItems, durable);
  return rate;
}
