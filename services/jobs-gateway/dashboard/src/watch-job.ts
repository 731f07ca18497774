import type { RevokeJob } from "@warden/proto/jobs/v1";
import type { DashboardClients } from "./api.js";

// A stream that breaks (gateway restart) is reopened after this pause while the page is open.
const REOPEN_MS = 2_000;

/**
 * Streams WatchRevokeJob into `onUpdate` until the job is terminal or `signal`
 * aborts; a broken stream is reopened, other failures go to `onError`.
 */
export async function watchJob(
  clients: DashboardClients,
  jobId: string,
  signal: AbortSignal,
  onUpdate: (job: RevokeJob) => void,
  onError: (error: unknown) => void,
  isTerminal: (job: RevokeJob) => boolean,
): Promise<void> {
  while (!signal.aborted) {
    let last: RevokeJob | undefined;
    try {
      for await (const response of clients.jobs.watchRevokeJob({ jobId }, { signal })) {
        if (!response.job) continue;
        last = response.job;
        onUpdate(last);
      }
      if (last && isTerminal(last)) return;
    } catch (error) {
      if (signal.aborted) return;
      onError(error);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, REOPEN_MS));
  }
}
