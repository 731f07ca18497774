const hooks = new Set<() => void>();
let installed = false;

const FATAL_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function runHooks(): void {
  for (const hook of [...hooks]) {
    hooks.delete(hook);
    try {
      hook();
    } catch {
      // An exit hook is best effort; one failing must not stop the others from running.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runHooks);
  // Node skips "exit" when a signal kills the process, which would orphan servers and children.
  for (const signal of FATAL_SIGNALS) {
    const onSignal = (): void => {
      runHooks();
      // Die of the signal as if we had never listened, unless someone else decided to handle it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * Runs `hook` synchronously, once, when this process exits or dies of SIGINT/SIGTERM/SIGHUP;
 * the returned function unregisters it. Hooks must be synchronous (kill, rmSync): nothing else runs then.
 */
export function onProcessExit(hook: () => void): () => void {
  install();
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
  };
}
