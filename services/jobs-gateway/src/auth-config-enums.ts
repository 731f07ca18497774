import type { ClientAuthColumn, ResponseStyleColumn, RevokeMethodColumn } from "@warden/db";
import { ClientAuth, ResponseStyle, RevokeMethod } from "@warden/proto/accounts/v1";

// The one mapping between an auth config's enum columns and their wire enums,
// both ways, for responses (to-proto) and for requests that create or update
// an auth config. UNSPECIFIED has no column value: a request leaves it out.

export const CLIENT_AUTH_TO_PROTO: Record<ClientAuthColumn, ClientAuth> = {
  basic: ClientAuth.BASIC,
  post: ClientAuth.POST,
  none: ClientAuth.NONE,
};

export const RESPONSE_STYLE_TO_PROTO: Record<ResponseStyleColumn, ResponseStyle> = {
  rfc6749: ResponseStyle.RFC6749,
  slack: ResponseStyle.SLACK,
  error_in_200: ResponseStyle.ERROR_IN_200,
};

export const REVOKE_METHOD_TO_PROTO: Record<RevokeMethodColumn, RevokeMethod> = {
  rfc7009: RevokeMethod.RFC7009,
  rfc7009_unauthenticated: RevokeMethod.RFC7009_UNAUTHENTICATED,
  slack: RevokeMethod.SLACK,
  bearer: RevokeMethod.BEARER,
  github: RevokeMethod.GITHUB,
  delete_by_path: RevokeMethod.DELETE_BY_PATH,
  none: RevokeMethod.NONE,
};

function invert<Column extends string, Wire extends number>(
  map: Record<Column, Wire>,
): ReadonlyMap<Wire, Column> {
  return new Map(Object.entries(map).map(([column, wire]) => [wire as Wire, column as Column]));
}

/** Wire → column; undefined for UNSPECIFIED and for numbers outside the enum. */
export const CLIENT_AUTH_FROM_PROTO = invert(CLIENT_AUTH_TO_PROTO);
/** Wire → column; undefined for UNSPECIFIED and for numbers outside the enum. */
export const RESPONSE_STYLE_FROM_PROTO = invert(RESPONSE_STYLE_TO_PROTO);
/** Wire → column; undefined for UNSPECIFIED and for numbers outside the enum. */
export const REVOKE_METHOD_FROM_PROTO = invert(REVOKE_METHOD_TO_PROTO);
