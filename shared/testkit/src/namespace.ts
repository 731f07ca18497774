import { randomInt } from "node:crypto";

/** Environment variable through which global setup hands the run id to test workers and children. */
export const TEST_RUN_ENV = "WARDEN_TEST_RUN";

/** Shape every namespace has: valid as a Postgres schema, a JetStream stream prefix, a NATS token and a Redis prefix. */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

const RUN_ID_PATTERN = /^wt[a-z0-9]{6}$/;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
// 36^6 ≈ 2.2e9: collisions between concurrent runs or files are negligible, and
// the per-process set below rules them out within one process.
const RANDOM_CHARS = 6;
const MAX_LABEL = 40 - "wt000000_".length - "_".length - RANDOM_CHARS;

const issued = new Set<string>();
let processRunId: string | undefined;

function randomChars(n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** Returns a fresh run id, `wt` followed by six lowercase letters or digits. */
export function newTestRunId(): string {
  return `wt${randomChars(6)}`;
}

/** True only for strings shaped like a run id, so cleanup can never be handed an empty or broad prefix. */
export function isTestRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

/** Returns this test run's id: the one global setup chose, or one fixed for this process outside vitest. */
export function testRunId(): string {
  const fromEnv = process.env[TEST_RUN_ENV];
  if (fromEnv !== undefined && isTestRunId(fromEnv)) return fromEnv;
  processRunId ??= newTestRunId();
  return processRunId;
}

/**
 * Returns a namespace no earlier call returned, matching NAMESPACE_PATTERN and starting with the run id
 * (`wtab12cd_<label>_<6 random>`), so global teardown can find and remove everything created under it.
 */
export function testNamespace(label = ""): string {
  const cleanLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, MAX_LABEL);
  const head = cleanLabel === "" ? testRunId() : `${testRunId()}_${cleanLabel}`;
  for (;;) {
    const namespace = `${head}_${randomChars(RANDOM_CHARS)}`;
    if (!issued.has(namespace)) {
      issued.add(namespace);
      return namespace;
    }
  }
}
