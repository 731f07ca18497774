import type { ProviderContext } from "./provider-context.js";

/** Tokens handed out to seed a connected account, in the token endpoint's RFC 6749 shape. */
export interface SeedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: "Bearer";
  scope: string;
  /** The subject (provider-side user id) the family belongs to. */
  subject: string;
}

/** Options for seeding one account's tokens. */
export interface SeedTokensOptions {
  subject?: string;
  scope?: string;
}

/** Issues a live token family without an HTTP round trip; `expires_in` is always present, whatever omitExpiresIn says. */
export function issueSeedTokens(ctx: ProviderContext, options: SeedTokensOptions = {}): SeedTokens {
  const expiresIn = ctx.settings.expiresIn;
  const grant = ctx.store.issue({ subject: options.subject, scope: options.scope, expiresIn });
  return {
    access_token: grant.accessToken,
    refresh_token: grant.refreshToken,
    expires_in: expiresIn,
    token_type: "Bearer",
    scope: grant.scope,
    subject: grant.subject,
  };
}
