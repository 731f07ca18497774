import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBinary } from "@bufbuild/protobuf";
import { AccountEventSchema } from "@warden/proto/events/v1";
import { busNames } from "./bus-names.js";
import type { Bus } from "./connect-bus.js";
import { ensureStreams } from "./ensure-streams.js";
import { publishEvent } from "./publish-event.js";
import { connectTestBus, deleteNamespaceStreams, randomNamespace, waitFor } from "./test-bus.js";

const namespace = randomNamespace();
const names = busNames(namespace);
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("publish-event.test");
  await ensureStreams(bus.jsm, namespace);
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

describe("publishEvent", { timeout: 30_000 }, () => {
  it("through JetStream, the events stream has stored it when the promise resolves", async () => {
    const subject = names.subjects.accountEvent("ca_js", "refreshed");
    await publishEvent(bus.js, subject, AccountEventSchema, { accountId: "ca_js" });
    const stored = await bus.jsm.streams.getMessage(names.streams.events, { last_by_subj: subject });
    expect(fromBinary(AccountEventSchema, stored.data).accountId).toBe("ca_js");
  });

  it("with a msgId, a retried event is kept once", async () => {
    const subject = names.subjects.accountEvent("ca_dup", "revoked");
    await publishEvent(bus.js, subject, AccountEventSchema, { accountId: "ca_dup" }, { msgId: "ev-1" });
    await publishEvent(bus.js, subject, AccountEventSchema, { accountId: "ca_dup" }, { msgId: "ev-1" });
    const info = await bus.jsm.streams.info(names.streams.events, { subjects_filter: subject });
    expect(info.state.subjects?.[subject]).toBe(1);
  });

  it("through a plain connection, the stream still records it", async () => {
    const subject = names.subjects.accountEvent("ca_core", "needs_reconnect");
    await publishEvent(bus.nc, subject, AccountEventSchema, {
      accountId: "ca_core",
      errorCode: "invalid_grant",
    });
    await waitFor(
      () =>
        bus.jsm.streams.getMessage(names.streams.events, { last_by_subj: subject }).then(
          () => true,
          () => false,
        ),
      5_000,
      "stored event",
    );
  });
});
