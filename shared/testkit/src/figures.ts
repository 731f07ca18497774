import type { TestContext } from "vitest";

/**
 * A long test's measured figures (calls per token, seconds to recover) are
 * recorded as vitest annotations of this type, not printed: the summary
 * reporter lists them once after the run, and the JSON reporter keeps them.
 */
export const FIGURES = "figures";

/**
 * The state a failed wait found (the job row, a child's last log lines):
 * vitest's reporter prints an annotation with the failure it explains.
 */
export const DIAGNOSTICS = "diagnostics";

/** The test context's `annotate`, for helpers that record on behalf of a test. */
export type Annotate = TestContext["annotate"];
