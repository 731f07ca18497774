import { busNames, publishWorkBatch, type Bus } from "@warden/bus";
import { RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { AckPolicy } from "nats";

// Each pass publishes to and consumes from its own job subject, so passes never see each other's messages.
const jobOf = (pass: string) => `pj_benchceiling${pass}`;

/** Work items per second stored by publishWorkBatch (pipelined, PubAcks awaited), on the real items stream. */
export async function publishRate(
  bus: Bus,
  namespace: string,
  count: number,
  /** Distinguishes passes: the stream would drop a repeated msgId as a duplicate. */
  pass: string,
): Promise<number> {
  const subject = busNames(namespace).subjects.revokeItem(jobOf(pass));
  const started = performance.now();
  await publishWorkBatch(
    bus.nc,
    (function* () {
      for (let i = 0; i < count; i++) {
        yield {
          subject,
          schema: RevokeWorkItemSchema,
          message: { jobId: jobOf(pass), run: 1, accountId: `ca_${i}`, authConfigId: "ac_x" },
          msgId: `bench:${pass}:${i}`,
        };
      }
    })(),
    { window: 1024 },
  );
  return count / ((performance.now() - started) / 1000);
}

/** Messages per second consumed and acked from what publishRate stored, through a durable pull consumer. */
export async function consumeAckRate(
  bus: Bus,
  namespace: string,
  count: number,
  pass: string,
): Promise<number> {
  const names = busNames(namespace);
  const durable = `BENCH_CEILING_${pass}`;
  await bus.jsm.consumers.add(names.streams.revokeItems, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    filter_subject: names.subjects.revokeItem(jobOf(pass)),
    max_ack_pending: 10_000,
  });
  const consumer = await bus.js.consumers.get(names.streams.revokeItems, durable);
  const started = performance.now();
  // Callback mode acks each message inside the socket read that brought it, so acks
  // leave in one write per read, as the executor's batched acks do; `for await` would
  // give each ack its own write and measure the iterator rather than JetStream.
  let allAcked!: () => void;
  const acked = new Promise<void>((resolve) => (allAcked = resolve));
  let seen = 0;
  const messages = await consumer.consume({
    max_messages: 1_000,
    callback: (msg) => {
      if (seen === count) return;
      msg.ack();
      if (++seen === count) allAcked();
    },
  });
  await acked;
  await messages.close();
  const rate = count / ((performance.now() - started) / 1000);
  await bus.jsm.consumers.delete(names.streams.revokeItems, durable);
  return rate;
}
