import { describe, expect, it } from "vitest";
import { busNames } from "./bus-names.js";

describe("busNames", () => {
  it("derives every subject from the namespace", () => {
    const names = busNames("warden");
    expect(names.subjects.revokePlan).toBe("warden.revoke.plan");
    expect(names.subjects.revokeItem("pj_abc")).toBe("warden.revoke.item.pj_abc");
    expect(names.subjects.revokeItems).toBe("warden.revoke.item.>");
    expect(names.subjects.refreshDue).toBe("warden.refresh.due");
    expect(names.subjects.events).toBe("warden.events.>");
    expect(names.subjects.jobEvent("oj_1", "progress")).toBe("warden.events.job.oj_1.progress");
    expect(names.subjects.accountEvent("ca_1", "refresh_failed")).toBe(
      "warden.events.account.ca_1.refresh_failed",
    );
    expect(names.subjects.leaseEvent("ls_1", "checked_out")).toBe("warden.events.lease.ls_1.checked_out");
    expect(names.subjects.accountEvents("ca_1")).toBe("warden.events.account.ca_1.>");
    expect(names.subjects.jobEvents()).toBe("warden.events.job.>");
  });

  it("derives upper-case, dot-free stream and consumer names", () => {
    const names = busNames("bt_42");
    expect(names.streams).toEqual({
      revokePlan: "BT_42_REVOKE_PLAN",
      revokeItems: "BT_42_REVOKE_ITEMS",
      refreshDue: "BT_42_REFRESH_DUE",
      events: "BT_42_EVENTS",
    });
    for (const name of [...Object.values(names.streams), ...Object.values(names.consumers)]) {
      expect(name).toMatch(/^[A-Z0-9_]+$/);
    }
  });

  it("rejects namespaces that would break subjects or collide when upper-cased", () => {
    for (const bad of ["", "Warden", "war.den", "war den", "1warden", "a>", "a".repeat(41)]) {
      expect(() => busNames(bad)).toThrow(/namespace/);
    }
  });

  it("rejects ids that are not a single subject token", () => {
    const names = busNames("warden");
    for (const bad of ["", "a.b", "*", ">", "a b"]) {
      expect(() => names.subjects.revokeItem(bad)).toThrow(/subject token/);
      expect(() => names.subjects.accountEvent(bad, "refreshed")).toThrow(/subject token/);
    }
  });
});
