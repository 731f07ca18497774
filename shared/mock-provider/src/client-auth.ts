/** The two client authentication methods of RFC 6749 §2.3.1. */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

/** The client registered at the provider. */
export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  /** Methods the provider accepts; a request using another one is refused. */
  methods: readonly ClientAuthMethod[];
}

/** Why a request failed to authenticate, for Slack's more specific error codes. */
export type ClientAuthFailure =
  "missing" | "unknown_client" | "bad_secret" | "method_not_allowed" | "malformed";

/** Outcome of authenticating the client of one request. */
export type ClientAuthResult =
  { ok: true; method: ClientAuthMethod } | { ok: false; reason: ClientAuthFailure; usedBasic: boolean };

// RFC 6749 §2.3.1: id and secret are form-encoded before being joined for Basic.
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

function parseBasic(header: string): { id: string; secret: string } | undefined {
  if (header.length < 6 || header.slice(0, 6).toLowerCase() !== "basic ") return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

/** Authenticates by the Authorization header or by form parameters; never accepts a wrong or missing secret. */
export function authenticateClient(
  authorization: string | undefined,
  form: URLSearchParams,
  client: RegisteredClient,
): ClientAuthResult {
  const usedBasic = authorization !== undefined;
  let method: ClientAuthMethod;
  let id: string | null;
  let secret: string | null;
  if (authorization !== undefined) {
    const basic = parseBasic(authorization);
    if (!basic) return { ok: false, reason: "malformed", usedBasic };
    method = "client_secret_basic";
    ({ id, secret } = basic);
  } else {
    method = "client_secret_post";
    id = form.get("client_id");
    secret = form.get("client_secret");
    if (id === null || secret === null) return { ok: false, reason: "missing", usedBasic };
  }
  if (!client.methods.includes(method)) return { ok: false, reason: "method_not_allowed", usedBasic };
  if (id !== client.clientId) return { ok: false, reason: "unknown_client", usedBasic };
  if (secret !== client.clientSecret) return { ok: false, reason: "bad_secret", usedBasic };
  return { ok: true, method };
}
