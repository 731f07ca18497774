import { createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { Authenticate } from "./authenticator.js";
import type { Principal } from "./principal.js";

const UNAUTHENTICATED_PRINCIPAL: Principal | undefined = undefined;

/** Context key under which the interceptor leaves the caller's Principal. */
export const principalKey = createContextKey<Principal | undefined>(UNAUTHENTICATED_PRINCIPAL, {
  description: "the authenticated caller",
});

// Health checks are for orchestrators, which carry no credentials.
const PUBLIC_SERVICES = new Set(["grpc.health.v1.Health"]);

/**
 * Authenticates every call (except health checks) before its handler runs and
 * stores the Principal as a context value; a bad credential never reaches a handler.
 */
export function createAuthInterceptor(authenticate: Authenticate): Interceptor {
  return (next) => async (req) => {
    if (!PUBLIC_SERVICES.has(req.service.typeName)) {
      const principal = await authenticate(req.header.get("authorization"));
      req.contextValues.set(principalKey, principal);
    }
    return next(req);
  };
}

/** The caller of the current handler; the interceptor guarantees it is set. */
export function principalOf(context: HandlerContext): Principal {
  const principal = context.values.get(principalKey);
  if (!principal) throw new Error("auth interceptor did not run for this call");
  return principal;
}
