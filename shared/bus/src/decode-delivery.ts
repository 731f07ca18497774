import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { JsMsg } from "nats";
import { errorField, type BusLogger } from "./bus-logger.js";
import { traceContextOfHeaders } from "./trace-headers.js";
import type { WorkDelivery } from "./work-outcome.js";

/**
 * Decodes a delivery, or terms it (logged as poison) when the payload is not a
 * valid `schema` message: no retry could ever decode it.
 */
export function decodeDelivery<Desc extends DescMessage>(
  raw: JsMsg,
  schema: Desc,
  maxDeliver: number,
  logger: BusLogger,
): WorkDelivery<MessageShape<Desc>> | undefined {
  try {
    const message = fromBinary(schema, raw.data);
    return {
      message,
      raw,
      deliveryCount: raw.info.deliveryCount,
      maxDeliver,
      traceContext: traceContextOfHeaders(raw.headers),
    };
  } catch (error) {
    logger.error(
      {
        subject: raw.subject,
        seq: raw.seq,
        schema: schema.typeName,
        bytes: raw.data.length,
        ...errorField(error),
      },
      "terminating poison work message",
    );
    raw.term();
    return undefined;
  }
}
