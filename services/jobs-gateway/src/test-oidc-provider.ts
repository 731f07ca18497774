// Test support (not a test): a real OAuth 2.0 / OpenID Connect authorization
// server (oidc-provider from npm) on a free loopback port, with its built-in
// login and consent pages, PKCE required, refresh tokens, RFC 7009 revocation
// and RFC 7662 introspection, so the connect flow is exercised against a real
// server rather than our own mock.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { freePort } from "@warden/testkit";
import type { default as ProviderClass } from "oidc-provider";

export interface TestOidcProvider {
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  clientId: string;
  clientSecret: string;
  /** RFC 7662: whether the provider still considers the token active. */
  isActive(token: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Starts oidc-provider for one confidential client whose only redirect URI is `redirectUri`. */
export async function startTestOidcProvider(redirectUri: string): Promise<TestOidcProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = "warden-connect-test";
  const clientSecret = `oidc-secret-${randomBytes(16).toString("hex")}`;
  const provider = await quietly(async () => {
    // Imported here, so its import-time warning is dropped with the others.
    const { default: Provider } = await import("oidc-provider");
    return new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUri],
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      // Every user exists; the login page takes any name.
      findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
      scopes: ["openid", "offline_access"],
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: true },
        revocation: { enabled: true },
        introspection: { enabled: true, allowedPolicy: async () => true },
      },
      cookies: { keys: [randomBytes(32).toString("hex")] },
      // Explicit lifetimes and policies: the library prints a notice for each default it falls back on.
      ttl: {
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        AccessToken: 3600,
        RefreshToken: 86_400,
        IdToken: 3600,
      },
    });
  });
  const server: Server = provider.listen(port);
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return {
    issuer,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    revokeUrl: `${issuer}/token/revocation`,
    clientId,
    clientSecret,
    async isActive(token) {
      const response = await fetch(`${issuer}/token/introspection`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token }).toString(),
      });
      const body = (await response.json()) as { active?: boolean };
      return body.active === true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// oidc-provider prints a warning at construction for each development-only
// choice made here on purpose (Node 20, in-memory adapter, generated keys, its
// own login pages); they say nothing about the test, so they are dropped.
async function quietly(build: () => Promise<ProviderClass>): Promise<ProviderClass> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith("oidc-provider WARNING")) warn(...args);
  };
  try {
    return await build();
  } finally {
    console.warn = warn;
  }
}
