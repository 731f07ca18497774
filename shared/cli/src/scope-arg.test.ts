import { ScopeKind } from "@warden/proto/jobs/v1";
import { describe, expect, it } from "vitest";
import { UsageError } from "./cli-io.js";
import { parseScope } from "./scope-arg.js";

describe("--scope", () => {
  it("accepts kind:id and bare ids whose prefix names the kind", () => {
    expect(parseScope("project:prj_1")).toMatchObject({ kind: ScopeKind.PROJECT, id: "prj_1" });
    expect(parseScope("auth-config:ac_1")).toMatchObject({ kind: ScopeKind.AUTH_CONFIG, id: "ac_1" });
    expect(parseScope("account:ca_1")).toMatchObject({ kind: ScopeKind.CONNECTED_ACCOUNT, id: "ca_1" });
    expect(parseScope("org_1")).toMatchObject({ kind: ScopeKind.ORG, id: "org_1" });
    expect(parseScope("ca_9")).toMatchObject({ kind: ScopeKind.CONNECTED_ACCOUNT, id: "ca_9" });
  });

  it("rejects unknown kinds, empty ids and unprefixed ids as usage errors", () => {
    for (const bad of ["planet:earth", "project:", "12345", ""])
      expect(() => parseScope(bad)).toThrow(UsageError);
  });
});
