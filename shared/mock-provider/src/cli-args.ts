import { parseArgs } from "node:util";
import type { MockProviderOptions } from "./start-mock-provider.js";

/** Usage text printed by `--help`. */
export const CLI_USAGE = `warden-mock-provider [options]
  --port <n>             listen port (default 0: ephemeral)
  --host <addr>          listen address (default 127.0.0.1)
  --client-id <id>       registered client id (default warden-mock-client)
  --client-secret <s>    registered client secret (default warden-mock-secret)
  --latency-ms <n>       fixed latency on token and revoke answers
  --latency-jitter-ms <n> extra random latency in [0, n)
  --rate-5xx <p>         probability in [0, 1] of a 503
  --rate-429 <p>         probability in [0, 1] of a 429
  --retry-after <s>      Retry-After seconds on injected 429s (default 1)
  --expires-in <s>       access token lifetime (default 3600)
  --omit-expires-in      leave expires_in out of token answers
  --no-rotate            keep refresh tokens across refreshes
  --slack                Slack-style answers (HTTP 200 with {"ok": false, ...})
  --seed <n>             seed for the fault RNG (deterministic runs)
  --no-per-token-counts  do not count refreshes per refresh token (flat memory for long benchmarks)
  --help                 print this text`;

/** What the CLI should do. */
export type CliCommand = { kind: "help" } | { kind: "start"; options: MockProviderOptions };

function toNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value))
    throw new RangeError(`--${flag} must be a number, got "${raw}"`);
  return value;
}

/** Parses CLI flags into provider options; throws with the offending flag named, never ignores an unknown one. */
export function parseCliArgs(argv: string[]): CliCommand {
  // `pnpm start -- --port 1` forwards the `--` itself; parseArgs would read every flag after it as positional.
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      "latency-ms": { type: "string" },
      "latency-jitter-ms": { type: "string" },
      "rate-5xx": { type: "string" },
      "rate-429": { type: "string" },
      "retry-after": { type: "string" },
      "expires-in": { type: "string" },
      "omit-expires-in": { type: "boolean" },
      "no-rotate": { type: "boolean" },
      slack: { type: "boolean" },
      seed: { type: "string" },
      "no-per-token-counts": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { kind: "help" };
  const candidate: MockProviderOptions = {
    port: toNumber("port", values.port),
    host: values.host,
    clientId: values["client-id"],
    clientSecret: values["client-secret"],
    latencyMs: toNumber("latency-ms", values["latency-ms"]),
    latencyJitterMs: toNumber("latency-jitter-ms", values["latency-jitter-ms"]),
    rate5xx: toNumber("rate-5xx", values["rate-5xx"]),
    rate429: toNumber("rate-429", values["rate-429"]),
    retryAfterSeconds: toNumber("retry-after", values["retry-after"]),
    expiresIn: toNumber("expires-in", values["expires-in"]),
    omitExpiresIn: values["omit-expires-in"],
    rotateRefreshTokens: values["no-rotate"] ? false : undefined,
    responseStyle: values.slack ? "slack" : undefined,
    seed: toNumber("seed", values.seed),
    countRefreshesPerToken: values["no-per-token-counts"] ? false : undefined,
  };
  // Drop unset flags so the provider's own defaults apply.
  const options = Object.fromEntries(
    Object.entries(candidate).filter(([, value]) => value !== undefined),
  ) as MockProviderOptions;
  return { kind: "start", options };
}
