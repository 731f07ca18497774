import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  alreadyExists,
  invalidArgument,
  notFound,
  permissionDenied,
  unauthenticated,
  unavailable,
  WardenError,
} from "@warden/errors";
import { OrgSchema } from "@warden/proto/admin/v1";
import { describe, expect, it } from "vitest";
import { createCapturingLogger } from "./test-logger.js";
import { toConnectError } from "./to-connect-error.js";

describe("toConnectError", () => {
  it.each([
    [invalidArgument("name", "must not be empty"), Code.InvalidArgument],
    [notFound("job", "pj_1"), Code.NotFound],
    [alreadyExists("job in flight"), Code.AlreadyExists],
    [permissionDenied("missing scope jobs:write"), Code.PermissionDenied],
    [unauthenticated(), Code.Unauthenticated],
    [new WardenError("failed_precondition", "nothing failed"), Code.FailedPrecondition],
    [unavailable("postgres down"), Code.Unavailable],
    [new WardenError("unimplemented", "later"), Code.Unimplemented],
  ])("maps %s to its code with its message", (error, code) => {
    const mapped = toConnectError(error, createCapturingLogger().logger);
    expect(mapped.code).toBe(code);
    expect(mapped.rawMessage).toBe(error.message);
  });

  it("carries a WardenError's details as outgoing details", () => {
    const org = create(OrgSchema, { id: "org_1", name: "acme" });
    const mapped = toConnectError(
      alreadyExists("exists", [{ desc: OrgSchema, value: org }]),
      createCapturingLogger().logger,
    );
    expect(mapped.details).toEqual([{ desc: OrgSchema, value: org }]);
  });

  it("passes a ConnectError through untouched", () => {
    const error = new ConnectError("late", Code.DeadlineExceeded);
    expect(toConnectError(error, createCapturingLogger().logger)).toBe(error);
  });

  it("hides an unknown error's message from the caller and logs the cause", () => {
    const { logger, text } = createCapturingLogger();
    const mapped = toConnectError(new Error("decrypt failed for secret sk_live_123"), logger);
    expect(mapped.code).toBe(Code.Internal);
    expect(mapped.rawMessage).toBe("internal error");
    expect(mapped.message).not.toContain("sk_live_123");
    expect(text()).toContain("sk_live_123");
  });

  it("hides an internal WardenError's message too", () => {
    const mapped = toConnectError(
      new WardenError("internal", "key ring empty"),
      createCapturingLogger().logger,
    );
    expect(mapped.rawMessage).toBe("internal error");
  });

  it("turns a dependency outage into UNAVAILABLE without its connection string", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED postgres://u:hunter2@db"), {
      code: "ECONNREFUSED",
    });
    const mapped = toConnectError(error, createCapturingLogger().logger);
    expect(mapped.code).toBe(Code.Unavailable);
    expect(mapped.message).not.toContain("hunter2");
  });
});
