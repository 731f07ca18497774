import http from "node:http";
import https from "node:https";
import { clientAuthentication, type OAuthClientCredentials } from "./client-authentication.js";
import { classifyRevokeAnswer, type RevokeOutcome } from "./revoke-response.js";

/** Keep-alive agents shared by every revocation of a process, so calls reuse connections. */
export interface RevokeAgents {
  http: http.Agent;
  https: https.Agent;
}

/** One RFC 7009 revocation. */
export interface RevokeTokenRequest {
  /** Already validated with parseProviderUrl when the auth config was saved. */
  revokeUrl: string;
  token: string;
  tokenTypeHint: "refresh_token" | "access_token";
  client: OAuthClientCredentials;
  responseStyle: "rfc6749" | "slack";
  timeoutMs: number;
  agents: RevokeAgents;
}

// Enough for any error document; a provider streaming more is cut off.
const MAX_BODY_BYTES = 16 * 1024;

/** Creates keep-alive agents with at most `maxSockets` connections per provider host. */
export function createRevokeAgents(maxSockets = 256): RevokeAgents {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" as const };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/**
 * POSTs an RFC 7009 revocation with the client's authentication and classifies
 * the answer; never throws: network errors and timeouts come back as retryable
 * outcomes, and no outcome carries the token or the client secret.
 */
export async function revokeToken(request: RevokeTokenRequest): Promise<RevokeOutcome> {
  const auth = clientAuthentication(request.client);
  const body = new URLSearchParams({
    token: request.token,
    token_type_hint: request.tokenTypeHint,
    ...auth.form,
  }).toString();
  const secrets = [
    request.token,
    ...(request.client.clientSecret === null ? [] : [request.client.clientSecret]),
  ];
  try {
    const answer = await postForm(request, body, auth.headers);
    return classifyRevokeAnswer(answer, request.responseStyle, secrets);
  } catch (error) {
    return { kind: "retry", errorCode: error instanceof RevokeTimeout ? "timeout" : "network_error" };
  }
}

class RevokeTimeout extends Error {}

function postForm(
  request: RevokeTokenRequest,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const url = new URL(request.revokeUrl);
  const secure = url.protocol === "https:";
  const transport = secure ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: "POST",
        agent: secure ? request.agents.https : request.agents.http,
        headers: {
          ...headers,
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          accept: "application/json",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", () => {
          clearTimeout(timer);
          const retryAfter = res.headers["retry-after"];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8"),
          });
        });
        res.on("error", reject);
      },
    );
    // One deadline for the whole exchange, connect to last byte: a slow-dripping provider cannot hold a slot.
    const timer = setTimeout(
      () => req.destroy(new RevokeTimeout("revoke request timed out")),
      request.timeoutMs,
    );
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}
