import { Code, ConnectError } from "@connectrpc/connect";
import { JobStatus, RevokeJobSchema } from "@warden/proto/jobs/v1";
import { LeaseSchema, LeaseStatus } from "@warden/proto/leases/v1";
import { TokenFailureSchema } from "@warden/proto/tokens/v1";
import { EXIT, UsageError, type OutputStream } from "./cli-io.js";

/** The canonical gRPC name of a Connect code, e.g. NOT_FOUND. */
export function grpcCodeName(code: Code): string {
  return (Code[code] ?? "UNKNOWN").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

// The error details Warden attaches, summarised without any secret (a Lease
// detail never carries its token; a TokenFailure names codes, not tokens).
function detailLines(error: ConnectError): string[] {
  const lines: string[] = [];
  for (const job of error.findDetails(RevokeJobSchema))
    lines.push(`in-flight job: ${job.id} (${JobStatus[job.status]})`);
  for (const lease of error.findDetails(LeaseSchema))
    lines.push(`active lease: ${lease.id} held by ${lease.holder} (${LeaseStatus[lease.status]})`);
  for (const failure of error.findDetails(TokenFailureSchema))
    lines.push(
      `reason: ${failure.reason}${failure.providerError ? ` (provider error: ${failure.providerError})` : ""}`,
    );
  return lines;
}

/** Writes the failure to stderr as `error: CODE: message` (plus known details) and returns the exit code. */
export function printError(error: unknown, stderr: OutputStream): number {
  if (error instanceof UsageError) {
    stderr.write(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  const connectError = ConnectError.from(error);
  stderr.write(`error: ${grpcCodeName(connectError.code)}: ${connectError.rawMessage}\n`);
  for (const line of detailLines(connectError)) stderr.write(`  ${line}\n`);
  return EXIT.rpcError;
}
