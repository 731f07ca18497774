import { createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { shutdownSignalKey, streamSignal } from "./shutdown-signal.js";

describe("streamSignal", () => {
  it("fires when the server starts draining even though the call goes on", () => {
    const call = new AbortController();
    const server = new AbortController();
    const signal = streamSignal({
      signal: call.signal,
      values: createContextValues().set(shutdownSignalKey, server.signal),
    });
    expect(signal.aborted).toBe(false);
    server.abort();
    expect(signal.aborted).toBe(true);
  });

  it("fires when the call ends, and never for a server that is not draining", () => {
    const call = new AbortController();
    const signal = streamSignal({ signal: call.signal, values: createContextValues() });
    call.abort();
    expect(signal.aborted).toBe(true);
  });
});
