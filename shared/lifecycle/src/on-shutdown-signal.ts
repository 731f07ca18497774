import type { Logger } from "@warden/logger";

export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * On the first SIGTERM or SIGINT runs the steps in order (each logged, a
 * failing step does not stop the rest) and exits 0; a second signal exits 1
 * at once. Steps are given in shutdown order: stop taking work first, close
 * pools last.
 */
export function onShutdownSignal(logger: Logger, steps: () => ShutdownStep[]): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    void (async () => {
      for (const step of steps()) {
        try {
          await step.run();
          logger.debug({ step: step.name }, "shutdown step done");
        } catch (error) {
          logger.error({ step: step.name, err: error }, "shutdown step failed");
        }
      }
      logger.info("stopped");
      process.exit(0);
    })();
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
