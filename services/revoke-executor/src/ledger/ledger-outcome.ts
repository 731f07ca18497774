/** A final ledger status an item can reach from `pending` through the executor. */
export type FinalItemStatus = "revoked" | "failed" | "skipped";

/** What the executor decided about one item, to be written to the ledger. */
export type LedgerOutcome =
  | {
      kind: "final";
      jobId: string;
      accountId: string;
      run: number;
      status: FinalItemStatus;
      attempts: number;
      errorCode: string | null;
      errorMessage: string | null;
      /** The provider's error_description (already sanitised and bounded by @warden/oauth), if it sent one. */
      errorDescription?: string | null;
      /** Wipe the account's ciphertexts (and revoke its leases) in the same transaction. */
      wipe: boolean;
      /** The provider confirmed the revocation: stamp revoked_upstream_at. */
      confirmedUpstream: boolean;
    }
  | {
      kind: "retry";
      jobId: string;
      accountId: string;
      run: number;
      attempts: number;
      errorCode: string;
    };
