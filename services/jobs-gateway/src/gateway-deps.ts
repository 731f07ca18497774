import type { Principal } from "@warden/auth";
import type { Bus } from "@warden/bus";
import type { Keyring } from "@warden/crypto";
import type { CursorCodec, Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import type { Redis } from "@warden/redis";
import type { Kysely } from "kysely";

/** A scope a revoke job can cover, in database terms. */
export interface RevokeScope {
  kind: "org" | "project" | "auth_config" | "connected_account";
  id: string;
}

/**
 * Starts a revoke job for a scope, or joins the one already in flight, and
 * returns its id. Supplied by the jobs module; absent until it is wired.
 */
export type StartOrJoinRevokeJob = (principal: Principal, scope: RevokeScope) => Promise<string>;

/** Everything the gateway's handlers need; built once in main.ts, faked nowhere. */
export interface GatewayDeps {
  db: Kysely<Database>;
  redis: Redis;
  keyring: Keyring;
  cursors: CursorCodec;
  logger: Logger;
  /** NATS JetStream: revoke plans out, job events in and out. */
  bus: Bus;
  /** WARDEN_NAMESPACE, from which every subject name derives. */
  namespace: string;
  startOrJoinRevokeJob?: StartOrJoinRevokeJob;
  /** WARDEN_PUBLIC_URL: the connect flow's callback is <publicUrl>/oauth/callback. */
  publicUrl?: string;
  /** WARDEN_SWEEPER_URL: where SweeperService calls are forwarded; absent, they are UNAVAILABLE. */
  sweeperUrl?: string;
  now?: () => Date;
}
