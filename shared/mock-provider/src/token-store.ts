import { randomBytes, randomUUID } from "node:crypto";

/** What the store hands out for one grant or refresh. */
export interface IssuedGrant {
  accessToken: string;
  /** Absent when a refresh did not rotate (the client keeps its current refresh token). */
  refreshToken?: string;
  scope: string;
  subject: string;
}

/** Outcome of presenting a refresh token. */
export type RefreshOutcome =
  | { kind: "refreshed"; grant: IssuedGrant }
  | { kind: "unknown" }
  /** The whole family was revoked earlier (by revoke or by reuse detection). */
  | { kind: "family_revoked" }
  /** An already-rotated token was presented: the family is now dead. */
  | { kind: "reused" };

/** Outcome of redeeming an authorization code. */
export type CodeOutcome = { kind: "issued"; grant: IssuedGrant } | { kind: "unknown" } | { kind: "reused" };

/** Which kind of token a revocation found. */
export type RevokeOutcome = "refresh_token" | "access_token" | "unknown";

// A family is everything descended from one authorization grant; killing it
// kills every refresh and access token in it at once, without walking them.
interface Family {
  subject: string;
  scope: string;
  alive: boolean;
  /** Generation of the family's one live refresh token; older generations are rotated. */
  generation: number;
}

/** Dependencies of the token store. */
export interface TokenStoreDeps {
  now: () => number;
}

/** Grant options shared by issue and code redemption. */
export interface GrantOptions {
  subject?: string;
  scope?: string;
  expiresIn: number;
}

/** In-memory token families with rotation and reuse detection. */
export interface TokenStore {
  issueCode(options?: { subject?: string; scope?: string }): string;
  redeemCode(code: string, options: { expiresIn: number }): CodeOutcome;
  issue(options: GrantOptions): Required<IssuedGrant>;
  refresh(refreshToken: string, options: { rotate: boolean; expiresIn: number }): RefreshOutcome;
  revoke(token: string): RevokeOutcome;
  /** Kills the whole grant of a refresh or access token (as grant-deleting providers do); false if unknown. */
  revokeGrant(token: string): boolean;
  isRefreshTokenLive(token: string): boolean;
  isAccessTokenLive(token: string): boolean;
  clear(): void;
}

/** Default scope granted when none is asked for. */
export const DEFAULT_SCOPE = "read write";

// Tokens carry their own state (epoch, family, generation, expiry), so a refresh
// stores nothing: memory stays flat however long a benchmark rotates tokens.
// The random epoch changes on clear(), so tokens from before a reset (or from
// another provider) are unknown rather than colliding with new ones.
const REFRESH_TOKEN = /^rt_([0-9a-z]+)_([0-9a-z]+)_([0-9a-z]+)$/;
const ACCESS_TOKEN = /^at_([0-9a-z]+)_([0-9a-z]+)_([0-9a-z]+)_[0-9a-z]+$/;
const newEpoch = (): string => randomBytes(8).readBigUInt64BE().toString(36);

/** Creates an empty store; a refresh token is live only while it is its family's newest and the family lives. */
export function createTokenStore(deps: TokenStoreDeps): TokenStore {
  let epoch = newEpoch();
  let families: Family[] = [];
  let accessSeq = 0;
  const revokedAccessTokens = new Set<string>();
  const pendingCodes = new Map<string, { subject: string; scope: string }>();
  // Redeemed codes remember their family so a replayed code can kill it (RFC 6749 §4.1.2).
  const redeemedCodes = new Map<string, Family>();

  const familyOf = (
    refreshToken: string,
  ): { family: Family; index: number; generation: number } | undefined => {
    const match = REFRESH_TOKEN.exec(refreshToken);
    if (!match || match[1] !== epoch) return undefined;
    const index = parseInt(match[2]!, 36);
    const family = families[index];
    const generation = parseInt(match[3]!, 36);
    // A generation beyond the family's newest was never handed out: unknown, not reuse.
    return family && generation <= family.generation ? { family, index, generation } : undefined;
  };
  const accessFamily = (token: string): { family: Family; expiresAtMs: number } | undefined => {
    const match = ACCESS_TOKEN.exec(token);
    if (!match || match[1] !== epoch) return undefined;
    const family = families[parseInt(match[2]!, 36)];
    const expiresAtMs = parseInt(match[3]!, 36);
    // Only tokens this store could have minted count: a forged far-future expiry still needs a real family
    // and a sequence number already handed out.
    const seq = parseInt(token.slice(token.lastIndexOf("_") + 1), 36);
    return family && seq < accessSeq ? { family, expiresAtMs } : undefined;
  };

  const refreshTokenFor = (index: number, generation: number): string =>
    `rt_${epoch}_${index.toString(36)}_${generation.toString(36)}`;

  const grantFor = (family: Family, index: number, expiresIn: number, withRefresh: boolean): IssuedGrant => {
    const expiresAtMs = deps.now() + expiresIn * 1000;
    const accessToken = `at_${epoch}_${index.toString(36)}_${expiresAtMs.toString(36)}_${(accessSeq++).toString(36)}`;
    const grant: IssuedGrant = { accessToken, scope: family.scope, subject: family.subject };
    if (withRefresh) grant.refreshToken = refreshTokenFor(index, family.generation);
    return grant;
  };

  const startFamily = (options: GrantOptions): { family: Family; grant: Required<IssuedGrant> } => {
    const family: Family = {
      subject: options.subject ?? `user_${randomUUID()}`,
      scope: options.scope ?? DEFAULT_SCOPE,
      alive: true,
      generation: 0,
    };
    const index = families.push(family) - 1;
    return { family, grant: grantFor(family, index, options.expiresIn, true) as Required<IssuedGrant> };
  };

  return {
    issueCode(options = {}) {
      const code = `code_${randomUUID().replaceAll("-", "")}`;
      pendingCodes.set(code, {
        subject: options.subject ?? `user_${randomUUID()}`,
        scope: options.scope ?? DEFAULT_SCOPE,
      });
      return code;
    },

    redeemCode(code, { expiresIn }) {
      const redeemed = redeemedCodes.get(code);
      if (redeemed) {
        redeemed.alive = false;
        return { kind: "reused" };
      }
      const pending = pendingCodes.get(code);
      // Any `code_…` is accepted so demos and tests need no set-up round trip.
      if (!pending && !code.startsWith("code_")) return { kind: "unknown" };
      pendingCodes.delete(code);
      const { family, grant } = startFamily({
        subject: pending?.subject ?? `user_${code.slice("code_".length)}`,
        scope: pending?.scope,
        expiresIn,
      });
      redeemedCodes.set(code, family);
      return { kind: "issued", grant };
    },

    issue: (options) => startFamily(options).grant,

    refresh(refreshToken, { rotate, expiresIn }) {
      const found = familyOf(refreshToken);
      if (!found) return { kind: "unknown" };
      const { family, index, generation } = found;
      if (!family.alive) return { kind: "family_revoked" };
      if (generation < family.generation) {
        // Reuse of a rotated token means it may have leaked: kill the family, as real providers do.
        family.alive = false;
        return { kind: "reused" };
      }
      if (rotate) family.generation++;
      return { kind: "refreshed", grant: grantFor(family, index, expiresIn, rotate) };
    },

    revoke(token) {
      const refresh = familyOf(token);
      if (refresh) {
        // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of the same grant.
        refresh.family.alive = false;
        return "refresh_token";
      }
      if (accessFamily(token)) {
        revokedAccessTokens.add(token);
        return "access_token";
      }
      return "unknown";
    },

    revokeGrant(token) {
      const family = familyOf(token)?.family ?? accessFamily(token)?.family;
      if (family === undefined) return false;
      family.alive = false;
      return true;
    },

    isRefreshTokenLive(token) {
      const found = familyOf(token);
      return found !== undefined && found.family.alive && found.generation === found.family.generation;
    },

    isAccessTokenLive(token) {
      const found = accessFamily(token);
      return (
        found !== undefined &&
        found.family.alive &&
        deps.now() < found.expiresAtMs &&
        !revokedAccessTokens.has(token)
      );
    },

    clear() {
      epoch = newEpoch();
      families = [];
      accessSeq = 0;
      revokedAccessTokens.clear();
      pendingCodes.clear();
      redeemedCodes.clear();
    },
  };
}
