import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { context, type Context } from "@opentelemetry/api";
import {
  createInbox,
  headers,
  type JetStreamClient,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from "nats";
import { setTraceHeaders, traceHeadersOf } from "./trace-headers.js";

/** One message for `publishWorkBatch`: a message to encode, or bytes already encoded (an outbox row). */
export type WorkToPublish<Desc extends DescMessage = DescMessage> = {
  subject: string;
  /** `Nats-Msg-Id`: what makes re-running a batch (or a retried publish) safe. */
  msgId: string;
} & ({ schema: Desc; message: MessageInitShape<Desc> } | { data: Uint8Array });

export interface PublishWorkBatchOptions {
  /** Publishes awaiting their PubAck at once. Default 256. */
  window?: number;
  /** How long one publish waits for its PubAck before it is retried. Default 5 s. */
  timeoutMs?: number;
  /** Attempts per message (retries reuse the msgId, so the stream keeps one copy). Default 3. */
  attempts?: number;
  /** The trace the messages continue (W3C headers). Default: the active context. */
  traceContext?: Context;
}

export interface PublishedWorkBatch {
  /** Items the stream confirmed, including ones it already held. */
  published: number;
  /** Items the stream already held (same msgId inside the duplicate window). */
  duplicates: number;
}

interface InFlight {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs;
  attempts: number;
  /** When the PubAck is due; Infinity while a retry waits for its backoff. */
  deadline: number;
}

const RETRY_BASE_MS = 250;

// JetStream publishing is a request whose reply is the PubAck. Doing the
// request/reply by hand on one wildcard inbox (instead of js.publish's
// per-call promise, timer and stack capture) keeps 100k-item plans fast.
/**
 * Publishes every item (with the caller's W3C trace context, when tracing is
 * on) with up to `window` PubAcks outstanding, retrying lost
 * or refused publishes; resolves once every item is stored, or rejects with the
 * first item that exhausted its attempts after the rest in flight settled
 * (re-running the whole batch is safe: msgIds dedup).
 */
export async function publishWorkBatch(
  target: NatsConnection | JetStreamClient,
  items: Iterable<WorkToPublish> | AsyncIterable<WorkToPublish>,
  options: PublishWorkBatchOptions = {},
): Promise<PublishedWorkBatch> {
  const nc = connectionOf(target);
  const window = Math.max(1, options.window ?? 256);
  const attempts = Math.max(1, options.attempts ?? 3);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const inbox = createInbox();
  const inFlight = new Map<string, InFlight>();
  let published = 0;
  let duplicates = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const settled = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const nextSettle = () => new Promise<void>((resolve) => (wake = resolve));

  const send = (token: string, entry: InFlight) => {
    entry.attempts++;
    entry.deadline = Date.now() + timeoutMs;
    try {
      nc.publish(entry.subject, entry.data, { reply: `${inbox}.${token}`, headers: entry.headers });
    } catch (error) {
      // Only a closed connection throws here; retrying cannot help.
      inFlight.delete(token);
      failure ??= { error };
      settled();
    }
  };
  const attemptFailed = (token: string, entry: InFlight, error: Error) => {
    if (entry.attempts >= attempts) {
      inFlight.delete(token);
      failure ??= { error };
      settled();
      return;
    }
    entry.deadline = Number.POSITIVE_INFINITY;
    setTimeout(() => inFlight.has(token) && send(token, entry), RETRY_BASE_MS * 2 ** (entry.attempts - 1));
  };
  const onReply = (msg: Msg) => {
    const token = msg.subject.slice(inbox.length + 1);
    const entry = inFlight.get(token);
    // A late PubAck for a publish that was already retried and confirmed.
    if (entry === undefined) return;
    if (msg.headers?.code === 503) {
      attemptFailed(token, entry, new Error(`no stream captures ${entry.subject} (503 no responders)`));
      return;
    }
    const ack = msg.json<{
      stream?: string;
      duplicate?: boolean;
      error?: { code: number; description: string };
    }>();
    if (ack.error !== undefined || !ack.stream) {
      attemptFailed(
        token,
        entry,
        new Error(`publish to ${entry.subject} refused: ${ack.error?.description ?? "no stream"}`),
      );
      return;
    }
    inFlight.delete(token);
    published++;
    if (ack.duplicate) duplicates++;
    settled();
  };

  const subscription = nc.subscribe(`${inbox}.*`, {
    callback: (error, msg) => {
      if (error) {
        failure ??= { error };
        inFlight.clear();
        settled();
        return;
      }
      onReply(msg);
    },
  });
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [token, entry] of inFlight) {
        if (entry.deadline <= now)
          attemptFailed(token, entry, new Error(`no PubAck for ${entry.subject} within ${timeoutMs} ms`));
      }
    },
    Math.min(1_000, Math.max(50, timeoutMs / 4)),
  );

  let next = 0;
  // One context for the whole batch: formatted once, not per message.
  const traceHeaders = traceHeadersOf(options.traceContext ?? context.active());
  const start = (item: WorkToPublish) => {
    const msgHeaders = headers();
    msgHeaders.set("Nats-Msg-Id", item.msgId);
    setTraceHeaders(msgHeaders, traceHeaders);
    const token = String(next++);
    const entry: InFlight = {
      subject: item.subject,
      data: "data" in item ? item.data : toBinary(item.schema, create(item.schema, item.message)),
      headers: msgHeaders,
      attempts: 0,
      deadline: 0,
    };
    inFlight.set(token, entry);
    send(token, entry);
  };

  try {
    // A sync source is walked without an await per item: nats.js writes what was
    // published up to the next microtask as one socket write, so filling the
    // window in one go sends hundreds of messages per syscall instead of one.
    const source = Symbol.iterator in items ? items[Symbol.iterator]() : undefined;
    if (source !== undefined) {
      for (let step = source.next(); !step.done; step = source.next()) {
        while (inFlight.size >= window && !failure) await nextSettle();
        if (failure) break;
        start(step.value);
      }
    } else {
      for await (const item of items as AsyncIterable<WorkToPublish>) {
        while (inFlight.size >= window && !failure) await nextSettle();
        if (failure) break;
        start(item);
      }
    }
    while (inFlight.size > 0) await nextSettle();
  } finally {
    clearInterval(sweep);
    subscription.unsubscribe();
  }
  if (failure) throw failure.error;
  return { published, duplicates };
}

function connectionOf(target: NatsConnection | JetStreamClient): NatsConnection {
  if (typeof (target as NatsConnection).jetstream === "function") return target as NatsConnection;
  // nats.js's JetStream client keeps its connection as a public `nc` field.
  const nc = (target as { nc?: NatsConnection }).nc;
  if (nc === undefined)
    throw new Error("publishWorkBatch needs a NatsConnection (or a JetStream client made from one)");
  return nc;
}
