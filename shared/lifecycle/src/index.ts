export type { Infrastructure, InfrastructureConfig } from "./open-infrastructure.js";
export { openInfrastructure } from "./open-infrastructure.js";
export type { ShutdownStep } from "./on-shutdown-signal.js";
export { onShutdownSignal } from "./on-shutdown-signal.js";
