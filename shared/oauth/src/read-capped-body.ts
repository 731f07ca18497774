// Enough for any token document; a provider streaming more is cut off.
const MAX_BODY_BYTES = 64 * 1024;

/** Reads at most 64 KiB of a response body as UTF-8, cancelling the rest: a provider cannot make us buffer more. */
export async function readCappedBody(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8");
}
