export { parseProviderUrl, isLoopbackHost, isForbiddenHost } from "./provider-url.js";
export type {
  ClientAuthMethod,
  ProviderResponseStyle,
  OAuthClientCredentials,
  ClientAuthentication,
} from "./client-authentication.js";
export { clientAuthentication } from "./client-authentication.js";
export type { RevokeOutcome, RevokeRetryReason, RevokeHttpAnswer } from "./revoke-response.js";
export { classifyRevokeAnswer, parseRetryAfter, sanitiseDescription } from "./revoke-response.js";
export type { RevokeAgents, RevokeTokenRequest } from "./revoke-token.js";
export { createRevokeAgents, revokeToken } from "./revoke-token.js";
export type { RevokeMethod, CallingRevokeMethod } from "./revoke-dialect.js";
export { effectiveRevokeMethod, revokeWithMethod, tokenKindFor } from "./revoke-dialect.js";
export type { TerminalErrorCodes } from "./classify-provider-error.js";
export type { RefreshFailureClass } from "./classify-provider-error.js";
export { classifyProviderError } from "./classify-provider-error.js";
export type {
  RefreshedTokens,
  RefreshFailure,
  RefreshOutcome,
  RefreshHttpAnswer,
} from "./refresh-response.js";
export { classifyRefreshAnswer } from "./refresh-response.js";
export type { RefreshTokenGrantRequest } from "./refresh-token-grant.js";
export { requestRefreshTokenGrant } from "./refresh-token-grant.js";
export type { AuthorizationCodeGrantRequest } from "./authorization-code-grant.js";
export { requestAuthorizationCodeGrant } from "./authorization-code-grant.js";
export type { PkcePair } from "./pkce.js";
export { createOAuthState, createPkcePair, hashOAuthState, pkceChallengeOf } from "./pkce.js";
