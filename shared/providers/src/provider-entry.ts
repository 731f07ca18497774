/** How an auth config revokes at its provider (the column values of auth_configs.revoke_method). */
export type RevokeMethodId =
  "rfc7009" | "rfc7009_unauthenticated" | "slack" | "bearer" | "github" | "delete_by_path" | "none";

/** How the client authenticates at the token endpoint; `none` is a public client. */
export type ClientAuthId = "basic" | "post" | "none";

/** How the token endpoint shapes its answers. */
export type ResponseStyleId = "rfc6749" | "slack" | "error_in_200";

/** The facts every entry must cite a page for. */
export const SOURCE_TOPICS = ["authorize", "token", "revoke", "refresh", "errors"] as const;
export type SourceTopic = (typeof SOURCE_TOPICS)[number];

/** Where one fact of an entry comes from. */
export interface ProviderSource {
  topic: SourceTopic;
  url: string;
}

/**
 * One provider of the built-in catalog: plain data, no behaviour. The
 * dialect modules in @warden/oauth act on `revokeMethod` / `responseStyle`;
 * nothing branches on `id`.
 */
export interface ProviderEntry {
  /** Catalog id, lower-case, e.g. "github". */
  id: string;
  name: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Null when the provider cannot revoke one token (revokeMethod "none"). */
  revokeUrl: string | null;
  revokeMethod: RevokeMethodId;
  clientAuth: ClientAuthId;
  responseStyle: ResponseStyleId;
  defaultScopes: readonly string[];
  /** Extra authorize parameters the connect flow adds (e.g. access_type=offline). */
  authorizeParams: Readonly<Record<string, string>>;
  /** Each refresh answers a new refresh token and retires the presented one. */
  rotatesRefreshTokens: boolean;
  /** The token answer carries no expires_in (the expiry is unknown). */
  omitsExpiresIn: boolean;
  /** Error codes that mean this user must reconnect. */
  accountTerminalErrors: readonly string[];
  /** Error codes that mean the app's client id/secret is refused (blame the auth config, not its users). */
  appTerminalErrors: readonly string[];
  sources: readonly ProviderSource[];
  /** What the fields cannot say, including every fact we could not confirm in the documentation. */
  notes: string;
}
