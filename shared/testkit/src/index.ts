export { freePort } from "./free-port.js";
export { waitFor } from "./wait-for.js";
export type { WaitForOptions } from "./wait-for.js";
export {
  isTestRunId,
  NAMESPACE_PATTERN,
  newTestRunId,
  TEST_RUN_ENV,
  testNamespace,
  testRunId,
} from "./namespace.js";
export { onProcessExit } from "./exit-hooks.js";
export { startPrivateNats, startPrivatePostgres, startPrivateRedis } from "./private-servers.js";
export type { PrivateNatsOptions } from "./private-servers.js";
export { launchPrivateServer } from "./private-server.js";
export type { PrivateServer, PrivateServerSpec } from "./private-server.js";
export { startServiceProcess } from "./service-process.js";
export type { ServiceProcess, ServiceProcessOptions } from "./service-process.js";
export { pingJetStream, pingNats, pingPostgres, pingRedis } from "./service-pings.js";
export { serviceUrlsFromEnv } from "./service-urls.js";
export type { ServiceUrls } from "./service-urls.js";
export { connectRawNats } from "./raw-nats.js";
export type { RawNatsConnection } from "./raw-nats.js";
export { cleanupTestRun } from "./run-cleanup.js";
export type { RunCleanupReport } from "./run-cleanup.js";
export { findBinary } from "./find-binary.js";
export { runCommand } from "./run-command.js";
export type { RunCommandOptions } from "./run-command.js";
export { DIAGNOSTICS, FIGURES } from "./figures.js";
export type { Annotate } from "./figures.js";
