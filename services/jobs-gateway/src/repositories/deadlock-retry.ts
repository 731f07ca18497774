// Cancel and retry lock the job row and then bulk-update its items, while
// executors update items first and the job's counters after; Postgres breaks
// such a cycle by aborting one side with 40P01. The aborted transaction
// changed nothing, so running it again is safe.
const DEADLOCK = "40P01";
const ATTEMPTS = 4;

/** Runs `transaction` again (a few times) when Postgres aborted it to break a deadlock. */
export async function withDeadlockRetry<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK || attempt >= ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
}
