import { inject, describe, expect, it } from "vitest";
import { isTestRunId, NAMESPACE_PATTERN, testNamespace, testRunId } from "./namespace.js";

describe("testNamespace", () => {
  it("is a valid schema, stream, subject token and key prefix for any label", () => {
    const labels = ["", "revoke", "Revoke Jobs!", "a.b*c>d e", "___", "x".repeat(200), "Ünïcødé-label"];
    for (const label of labels) expect(testNamespace(label)).toMatch(NAMESPACE_PATTERN);
  });

  it("starts with the run id global setup provided and keeps a readable label", () => {
    expect(testRunId()).toBe(inject("wardenTestRun"));
    expect(process.env.WARDEN_TEST_RUN).toBe(inject("wardenTestRun"));
    expect(testNamespace("Leases")).toMatch(new RegExp(`^${testRunId()}_leases_[a-z0-9]{6}$`));
  });

  it("never returns the same namespace twice", () => {
    const names = new Set(Array.from({ length: 5_000 }, () => testNamespace("same")));
    expect(names.size).toBe(5_000);
  });

  it("recognises only run-id-shaped prefixes", () => {
    expect(isTestRunId(testRunId())).toBe(true);
    for (const bad of ["", "wt", "wt12345", "wtABCDEF", "wt123456_", "xx123456"])
      expect(isTestRunId(bad)).toBe(false);
  });
});
