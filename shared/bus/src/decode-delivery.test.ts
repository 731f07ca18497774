import { describe, expect, it, vi } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { RevokeWorkItemSchema } from "@warden/proto/work/v1";
import type { JsMsg } from "nats";
import { decodeDelivery } from "./decode-delivery.js";
import { capturingLogger } from "./test-bus.js";

function fakeMsg(data: Uint8Array) {
  return {
    subject: "t.item",
    seq: 3,
    data,
    info: { deliveryCount: 2 },
    term: vi.fn(),
  } as unknown as JsMsg & {
    term: ReturnType<typeof vi.fn>;
  };
}

describe("decodeDelivery", () => {
  it("decodes a valid payload with its delivery count", () => {
    const data = toBinary(
      RevokeWorkItemSchema,
      create(RevokeWorkItemSchema, { jobId: "pj_1", accountId: "ca_1" }),
    );
    const delivery = decodeDelivery(fakeMsg(data), RevokeWorkItemSchema, 10, capturingLogger());
    expect(delivery?.message.accountId).toBe("ca_1");
    expect(delivery?.deliveryCount).toBe(2);
    expect(delivery?.maxDeliver).toBe(10);
  });

  it("terms and logs a payload that cannot decode", () => {
    const logger = capturingLogger();
    const msg = fakeMsg(new Uint8Array([0x0a, 0xff]));
    expect(decodeDelivery(msg, RevokeWorkItemSchema, 10, logger)).toBeUndefined();
    expect(msg.term).toHaveBeenCalled();
    expect(logger.lines[0]?.context.schema).toBe("warden.work.v1.RevokeWorkItem");
  });
});
