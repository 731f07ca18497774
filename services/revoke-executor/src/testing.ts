// Test and benchmark support only; production code never imports this entry.
export type { TestExecutor, TestStack } from "./test-stack.js";
export { openTestStack, startExecutorProcess, startTestExecutor } from "./test-stack.js";
export type { SeededAccount, SeededProject, SeedOptions } from "./test-fixtures.js";
export {
  expectCountsAddUp,
  insertJob,
  ledgerCounts,
  publishPlan,
  readJob,
  seedProject,
  startProjectJob,
  waitForJobStatus,
} from "./test-fixtures.js";
