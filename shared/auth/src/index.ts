export type { ApiScope, Principal, TenantPlace } from "./principal.js";
export {
  API_SCOPES,
  requireScope,
  requireOperator,
  canSee,
  visibleOrNotFound,
  listProjectFilter,
} from "./principal.js";
export type { Authenticate, AuthenticatorOptions } from "./authenticator.js";
export { createAuthenticator } from "./authenticator.js";
export { principalKey, createAuthInterceptor, principalOf } from "./auth-interceptor.js";
export type { LastUsedRecorder, LastUsedRecorderOptions } from "./last-used-recorder.js";
export { createLastUsedRecorder } from "./last-used-recorder.js";
