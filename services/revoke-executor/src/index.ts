export type { ExecutorDeps, ExecutorSettings, RevokeExecutor } from "./revoke-executor.js";
export { DEFAULT_EXECUTOR_SETTINGS, startRevokeExecutor } from "./revoke-executor.js";
export type { LedgerOutcome } from "./ledger/ledger-outcome.js";
export type { WrittenBatch } from "./ledger/write-outcomes.js";
export { writeOutcomes } from "./ledger/write-outcomes.js";
