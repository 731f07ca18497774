/** How a client authenticates at a provider endpoint (RFC 6749 §2.3.1); `none` is a public client. */
export type ClientAuthMethod = "basic" | "post" | "none";

/** How a provider's endpoints shape their answers: RFC 6749, Slack's `{"ok": …}`, or RFC 6749 errors sent with HTTP 200. */
export type ProviderResponseStyle = "rfc6749" | "slack" | "error_in_200";

/** The OAuth client an auth config registers, with its secret already opened. */
export interface OAuthClientCredentials {
  clientId: string;
  /** Null for a public client (no secret configured). */
  clientSecret: string | null;
  method: ClientAuthMethod;
}

/** What a request must carry to authenticate the client: a header, or extra form fields. */
export interface ClientAuthentication {
  headers: Record<string, string>;
  form: Record<string, string>;
}

// RFC 6749 §2.3.1: id and secret are form-urlencoded before being joined for Basic,
// so a secret containing ':' or non-ASCII survives.
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}

/**
 * Builds the client authentication of one request: HTTP Basic for `basic`, or
 * client_id/client_secret form fields for `post`; a public client sends only its id.
 */
export function clientAuthentication(client: OAuthClientCredentials): ClientAuthentication {
  if (client.clientSecret === null || client.method === "none") {
    return { headers: {}, form: { client_id: client.clientId } };
  }
  if (client.method === "basic") {
    const pair = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
    return { headers: { authorization: `Basic ${Buffer.from(pair, "utf8").toString("base64")}` }, form: {} };
  }
  return { headers: {}, form: { client_id: client.clientId, client_secret: client.clientSecret } };
}
