import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { principalOf, requireScope } from "@warden/auth";
import {
  ListProvidersResponseSchema,
  ProviderSchema,
  type ListProvidersRequest,
  type ListProvidersResponse,
  type Provider,
} from "@warden/proto/accounts/v1";
import { listProviders, type ProviderEntry } from "@warden/providers";
import {
  CLIENT_AUTH_TO_PROTO,
  RESPONSE_STYLE_TO_PROTO,
  REVOKE_METHOD_TO_PROTO,
} from "../auth-config-enums.js";

/** Catalog entry → warden.accounts.v1.Provider, with the documentation URL of each fact. */
export function providerToProto(entry: ProviderEntry): Provider {
  return create(ProviderSchema, {
    id: entry.id,
    name: entry.name,
    authorizeUrl: entry.authorizeUrl,
    tokenUrl: entry.tokenUrl,
    revokeUrl: entry.revokeUrl ?? "",
    revokeMethod: REVOKE_METHOD_TO_PROTO[entry.revokeMethod],
    clientAuth: CLIENT_AUTH_TO_PROTO[entry.clientAuth],
    responseStyle: RESPONSE_STYLE_TO_PROTO[entry.responseStyle],
    defaultScopes: [...entry.defaultScopes],
    authorizeParams: { ...entry.authorizeParams },
    rotatesRefreshTokens: entry.rotatesRefreshTokens,
    omitsExpiresIn: entry.omitsExpiresIn,
    accountTerminalErrors: [...entry.accountTerminalErrors],
    appTerminalErrors: [...entry.appTerminalErrors],
    sources: entry.sources.map((source) => ({ topic: source.topic, url: source.url })),
    notes: entry.notes,
  });
}

/** ListProviders: the built-in catalog, the same for every tenant; needs accounts:read. */
export function createListProvidersHandler() {
  const response = create(ListProvidersResponseSchema, { providers: listProviders().map(providerToProto) });
  return {
    listProviders(_req: ListProvidersRequest, ctx: HandlerContext): ListProvidersResponse {
      requireScope(principalOf(ctx), "accounts:read");
      return response;
    },
  };
}
