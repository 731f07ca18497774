import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { accountRevokedEventOf } from "./account-event.js";

describe("accountRevokedEventOf", () => {
  it("names the account, its tenant, its auth config and the revoke job, and nothing else", () => {
    const at = new Date("2026-11-22T10:00:00Z");
    const event = accountRevokedEventOf(
      { id: "ca_1", org_id: "org_1", project_id: "prj_1", auth_config_id: "ac_1" },
      "pj_1",
      at,
    );
    expect(event).toMatchObject({
      accountId: "ca_1",
      orgId: "org_1",
      projectId: "prj_1",
      authConfigId: "ac_1",
      jobId: "pj_1",
      errorCode: "",
    });
    expect(event.expiresAt).toBeUndefined();
    expect(timestampDate(event.occurredAt!).getTime()).toBe(at.getTime());
  });

  it("ignores any other column a caller's row happens to carry", () => {
    const row = {
      id: "ca_1",
      org_id: "org_1",
      project_id: "prj_1",
      auth_config_id: "ac_1",
      access_token_ciphertext: "SECRET",
    };
    expect(
      JSON.stringify(accountRevokedEventOf(row, "pj_1"), (_k, v: unknown) =>
        typeof v === "bigint" ? String(v) : v,
      ),
    ).not.toContain("SECRET");
  });
});
