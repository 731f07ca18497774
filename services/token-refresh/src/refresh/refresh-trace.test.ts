import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { startTestTelemetry, type ReadableSpan, type TestTelemetry } from "@warden/telemetry/testing";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedTenant, type TestTenant } from "../test-fixtures.js";
import {
  openTestInfrastructure,
  startTestTokenRefresh,
  tokensClient,
  type TestInfrastructure,
  type TestTokenRefresh,
} from "../test-token-refresh.js";

let telemetry: TestTelemetry;
let infra: TestInfrastructure;
let provider: MockProvider;
let service: TestTokenRefresh;
let tenant: TestTenant;

beforeAll(async () => {
  telemetry = startTestTelemetry("token-refresh");
  infra = await openTestInfrastructure("refresh_trace");
  provider = await startMockProvider({ clientSecret: "trace-client-secret-93ab" });
  service = await startTestTokenRefresh(infra);
  tenant = await seedTenant(infra.database.db, infra.keyring, provider);
});

afterAll(async () => {
  await service?.close();
  await provider?.close();
  await infra?.close();
  await telemetry?.shutdown();
});

describe("refresh tracing", () => {
  it("traces a refresh from the RPC through its lock and its provider call, without a secret", async () => {
    const seed = provider.issueTokens();
    const accountId = await seedAccount(infra.database.db, infra.keyring, tenant, {
      access: seed.access_token,
      refresh: seed.refresh_token,
      expiresAt: new Date(Date.now() - 60_000),
    });
    const answer = await tokensClient(service.url, tenant.apiKey).getAccessToken({ accountId });
    expect(answer.refreshed).toBe(true);

    const named = (spans: ReadableSpan[], name: string) => spans.find((span) => span.name === name);
    await waitFor(() => named(telemetry.spans(), "warden.tokens.v1.TokensService/GetAccessToken"), {
      message: "the RPC span to end",
    });
    const spans = telemetry.spans();
    const rpc = named(spans, "warden.tokens.v1.TokensService/GetAccessToken")!;
    const refresh = named(spans, "token.refresh")!;
    const lock = named(spans, "token.refresh.lock")!;
    const call = named(spans, "token.refresh.provider_call")!;
    const trace = rpc.spanContext().traceId;
    for (const span of [refresh, lock, call]) expect(span.spanContext().traceId).toBe(trace);
    expect(refresh.attributes["warden.account_id"]).toBe(accountId);
    expect(lock.parentSpanContext?.spanId).toBe(refresh.spanContext().spanId);
    expect(call.attributes["warden.provider.outcome"]).toBe("refreshed");
    const recorded = JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events]));
    for (const secret of [seed.access_token, seed.refresh_token, answer.accessToken, provider.clientSecret])
      expect(recorded).not.toContain(secret);
  });
});
