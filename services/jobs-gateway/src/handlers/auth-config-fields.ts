import type { ClientAuthColumn, ResponseStyleColumn, RevokeMethodColumn } from "@warden/db";
import { invalidArgument } from "@warden/errors";
import { parseProviderUrl } from "@warden/oauth";
import type { CreateAuthConfigRequest } from "@warden/proto/accounts/v1";
import { findProvider, type ProviderEntry } from "@warden/providers";
import {
  CLIENT_AUTH_FROM_PROTO,
  RESPONSE_STYLE_FROM_PROTO,
  REVOKE_METHOD_FROM_PROTO,
} from "../auth-config-enums.js";
import { optionalSecret, requiredSecret, requiredText, stringList } from "./request-fields.js";

/** An auth config's columns as a create request resolves them (the secret still in the clear). */
export interface ResolvedAuthConfigFields {
  name: string;
  provider: string | null;
  authorize_url: string | null;
  token_url: string;
  revoke_url: string | null;
  revoke_method: RevokeMethodColumn | null;
  client_id: string;
  client_auth: ClientAuthColumn;
  response_style: ResponseStyleColumn;
  default_scopes: string[];
  authorize_params: Record<string, string>;
  /** Null only for a public client (client_auth none). */
  clientSecret: string | null;
}

// Parameters the connect flow owns: a caller setting them would break PKCE, state or the callback.
const RESERVED_PARAMS = new Set([
  "client_id",
  "redirect_uri",
  "response_type",
  "state",
  "scope",
  "code_challenge",
  "code_challenge_method",
]);
const PARAM_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const METHODS_NEEDING_URL = new Set<RevokeMethodColumn>([
  "rfc7009",
  "rfc7009_unauthenticated",
  "slack",
  "bearer",
  "github",
  "delete_by_path",
]);

function enumField<Column>(
  field: string,
  value: number,
  map: ReadonlyMap<number, Column>,
  names: string,
): Column | null {
  if (value === 0) return null;
  const column = map.get(value);
  if (column === undefined) throw invalidArgument(field, `must be one of ${names}`);
  return column;
}

function authorizeParams(values: Record<string, string>): Record<string, string> {
  const entries = Object.entries(values);
  if (entries.length > 20) throw invalidArgument("authorize_params", "must have at most 20 entries");
  for (const [name, value] of entries) {
    if (!PARAM_NAME.test(name))
      throw invalidArgument("authorize_params", "keys must be 1-64 of A-Z a-z 0-9 _ . -");
    if (RESERVED_PARAMS.has(name))
      throw invalidArgument(`authorize_params.${name}`, "is set by the connect flow");
    if (value.length > 512 || CONTROL.test(value)) {
      throw invalidArgument(`authorize_params.${name}`, "must be at most 512 printable characters");
    }
  }
  return values;
}

function catalogEntry(id: string): ProviderEntry | undefined {
  if (!id) return undefined;
  const entry = findProvider(id);
  if (!entry) throw invalidArgument("provider", "must be a catalog id (see ListProviders)");
  return entry;
}

/**
 * Resolves a CreateAuthConfig request: every field the caller left empty is
 * filled from the named catalog provider; every URL is checked (https, no
 * link-local); bad enum values and bad parameters are INVALID_ARGUMENT naming
 * the field. Without a provider, client_auth is required as before.
 */
export function resolveAuthConfigFields(req: CreateAuthConfigRequest): ResolvedAuthConfigFields {
  const entry = catalogEntry(req.provider);
  const clientAuth =
    enumField("client_auth", req.clientAuth, CLIENT_AUTH_FROM_PROTO, "CLIENT_AUTH_BASIC, _POST or _NONE") ??
    entry?.clientAuth;
  if (!clientAuth)
    throw invalidArgument("client_auth", "must be CLIENT_AUTH_BASIC, CLIENT_AUTH_POST or CLIENT_AUTH_NONE");
  const responseStyle =
    enumField(
      "response_style",
      req.responseStyle,
      RESPONSE_STYLE_FROM_PROTO,
      "RESPONSE_STYLE_RFC6749, _SLACK or _ERROR_IN_200",
    ) ??
    entry?.responseStyle ??
    "rfc6749";
  const revokeMethod =
    enumField("revoke_method", req.revokeMethod, REVOKE_METHOD_FROM_PROTO, "a RevokeMethod value") ??
    entry?.revokeMethod ??
    null;

  const tokenUrl = req.tokenUrl || entry?.tokenUrl || "";
  if (!tokenUrl) throw invalidArgument("token_url", "is required without a provider");
  const revokeUrlText = req.revokeUrl || entry?.revokeUrl || "";
  const revokeUrl = revokeUrlText ? parseProviderUrl("revoke_url", revokeUrlText) : null;
  if (revokeMethod !== null && METHODS_NEEDING_URL.has(revokeMethod) && revokeUrl === null) {
    throw invalidArgument("revoke_url", `is required for revoke_method ${revokeMethod}`);
  }
  const authorizeUrlText = req.authorizeUrl || entry?.authorizeUrl || "";

  const clientSecret =
    clientAuth === "none"
      ? optionalSecret("client_secret", req.clientSecret, 4096)
      : requiredSecret("client_secret", req.clientSecret, 4096);
  return {
    name: requiredText("name", req.name || entry?.name || "", 200),
    provider: entry?.id ?? null,
    authorize_url: authorizeUrlText ? parseProviderUrl("authorize_url", authorizeUrlText) : null,
    token_url: parseProviderUrl("token_url", tokenUrl),
    revoke_url: revokeUrl,
    revoke_method: revokeMethod,
    client_id: requiredText("client_id", req.clientId, 512),
    client_auth: clientAuth,
    response_style: responseStyle,
    default_scopes: stringList(
      "default_scopes",
      req.defaultScopes.length > 0 ? req.defaultScopes : [...(entry?.defaultScopes ?? [])],
      100,
      200,
    ),
    authorize_params: authorizeParams({ ...entry?.authorizeParams, ...req.authorizeParams }),
    clientSecret,
  };
}
