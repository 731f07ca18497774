import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { headers, type JetStreamClient, type MsgHdrs, type PubAck } from "nats";
import { setTraceHeaders, traceHeadersOfActiveContext } from "./trace-headers.js";

export interface PublishWorkOptions {
  /** `Nats-Msg-Id`: a retry with the same id inside the duplicate window is dropped by the stream. */
  msgId: string;
  /** How long to wait for the PubAck. Defaults to the client's request timeout. */
  timeoutMs?: number;
  /** Publish attempts; safe to retry because `msgId` dedups. Default 1 (fail fast on an RPC path). */
  attempts?: number;
}

/** What the stream answered. */
export interface PublishedWork {
  stream: string;
  seq: number;
  /** True when the stream had already stored a message with this `msgId`. */
  duplicate: boolean;
}

const RETRY_BASE_MS = 250;

/**
 * Publishes one protobuf work message with `Nats-Msg-Id` (and the active W3C
 * trace context, when tracing is on) and resolves once the stream stored it.
 */
export async function publishWork<Desc extends DescMessage>(
  js: JetStreamClient,
  subject: string,
  schema: Desc,
  message: MessageInitShape<Desc>,
  options: PublishWorkOptions,
): Promise<PublishedWork> {
  const data = toBinary(schema, create(schema, message));
  const traceHeaders = traceHeadersOfActiveContext();
  let msgHeaders: MsgHdrs | undefined;
  if (Object.keys(traceHeaders).length > 0) setTraceHeaders((msgHeaders = headers()), traceHeaders);
  const ack = await publishWithRetry(
    js,
    subject,
    data,
    msgHeaders,
    options.msgId,
    options.timeoutMs,
    options.attempts ?? 1,
  );
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
}

async function publishWithRetry(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  msgHeaders: MsgHdrs | undefined,
  msgId: string,
  timeoutMs: number | undefined,
  attempts: number,
): Promise<PubAck> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await js.publish(subject, data, {
        msgID: msgId,
        ...(msgHeaders === undefined ? {} : { headers: msgHeaders }),
        ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
      });
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1)));
    }
  }
}
