import type { JetStreamManager, NatsError, StreamConfig, StreamInfo } from "nats";

// JetStream API error codes (server errors.json) this module reacts to.
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/** The stream settings Warden manages; anything else an operator set by hand is left alone. */
export type ManagedStreamConfig = Pick<
  StreamConfig,
  "name" | "subjects" | "retention" | "storage" | "num_replicas" | "duplicate_window" | "max_age" | "discard"
>;

/** The JetStream API error code carried by `error`, if it is one. */
export function jetStreamErrorCode(error: unknown): number | undefined {
  return (error as Partial<NatsError> | undefined)?.api_error?.err_code;
}

/**
 * Creates the stream, or updates it when a managed setting differs; converges
 * when several replicas run it at once (a lost create race re-reads and compares).
 */
export async function ensureStream(jsm: JetStreamManager, desired: ManagedStreamConfig): Promise<StreamInfo> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await streamInfoOrUndefined(jsm, desired.name);
    if (existing === undefined) {
      try {
        return await jsm.streams.add(desired);
      } catch (error) {
        // Another replica created it between our read and our add: compare again.
        if (jetStreamErrorCode(error) === STREAM_NAME_IN_USE) continue;
        throw error;
      }
    }
    if (differingSettings(existing.config, desired).length === 0) return existing;
    // Immutable settings (retention, storage) make the server refuse the
    // update; that error propagates so a misconfigured boot fails loud.
    const { name: _name, ...update } = desired;
    // update() re-reads the stream and merges, so hand-set settings survive.
    return await jsm.streams.update(desired.name, update);
  }
  throw new Error(`stream ${desired.name} kept changing while being provisioned`);
}

/** The managed settings where `actual` differs from `desired` (subjects compared as sets). */
export function differingSettings(actual: Partial<StreamConfig>, desired: ManagedStreamConfig): string[] {
  const differing: string[] = [];
  for (const key of Object.keys(desired) as Array<keyof ManagedStreamConfig>) {
    const want = desired[key];
    const have = actual[key];
    const same =
      key === "subjects"
        ? [...((have as string[] | undefined) ?? [])].sort().join(" ") ===
          [...(want as string[])].sort().join(" ")
        : have === want;
    if (!same) differing.push(key);
  }
  return differing;
}

async function streamInfoOrUndefined(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (jetStreamErrorCode(error) === STREAM_NOT_FOUND) return undefined;
    throw error;
  }
}
