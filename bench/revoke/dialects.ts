// Revocations per second through each revoke dialect of @warden/oauth against
// the mock provider over real HTTP (keep-alive pool, as the executor uses it).
// The mock runs in this process, so absolute figures include its CPU; the
// point is the relative cost of each dialect. Run: pnpm --filter @warden/bench exec tsx revoke/dialects.ts [perDialect] [concurrency]
import { DIALECT_PATHS, startMockProvider } from "@warden/mock-provider";
import { createRevokeAgents, revokeWithMethod, tokenKindFor, type CallingRevokeMethod } from "@warden/oauth";

const perDialect = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 32);

const provider = await startMockProvider({ seed: 1, countRefreshesPerToken: false });
const agents = createRevokeAgents(concurrency);
const URLS: Record<CallingRevokeMethod, string> = {
  rfc7009: provider.revokeUrl,
  rfc7009_unauthenticated: provider.url + DIALECT_PATHS.google.revoke,
  slack: provider.url + DIALECT_PATHS.slack.revoke,
  bearer: provider.url + DIALECT_PATHS.dropbox.revoke,
  github: provider.url + DIALECT_PATHS.github.revoke,
  delete_by_path: provider.url + "/hubspot/oauth/v1/refresh-tokens",
};
const client = { clientId: provider.clientId, clientSecret: provider.clientSecret, method: "basic" as const };

console.log(`revoke dialects: ${perDialect} revocations each, ${concurrency} in flight`);
for (const method of Object.keys(URLS) as CallingRevokeMethod[]) {
  const kind = tokenKindFor(method);
  const tokens = Array.from({ length: perDialect }, () => {
    const seed = provider.issueTokens();
    return kind === "access" ? seed.access_token : seed.refresh_token;
  });
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        const outcome = await revokeWithMethod(method, {
          revokeUrl: URLS[method],
          token,
          tokenTypeHint: kind === "access" ? "access_token" : "refresh_token",
          client,
          responseStyle: method === "slack" ? "slack" : "rfc6749",
          timeoutMs: 10_000,
          agents,
        });
        if (outcome.kind !== "revoked") failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${method.padEnd(24)} ${Math.round(perDialect / seconds)
      .toString()
      .padStart(7)} revocations/s${failures ? `  (${failures} not revoked)` : ""}`,
  );
}
await agents.close();
await provider.close();
