import type { Principal } from "../auth/principal.js";
import type { Scope } from "../auth/scopes.js";

/**
 * What a tenant's own key may give the keys it mints or changes: never more than it holds. Its
 * scopes, at most; a rate limit no higher than its own; an expiry no later than its own and at most
 * maxLifetimeDays ahead, which is also the expiry of a key minted without one. Operators (the admin
 * API) are not bound by these rules.
 */
export type MintingPolicy = { maxLifetimeDays: number; defaultRateLimitPerMinute: number };

/** "forbidden" grants more than the calling key holds (403); "invalid" is a field out of range (400). */
export type MintingRefusal = { ok: false; kind: "forbidden" | "invalid"; field: string; message: string };

const dayMs = 24 * 60 * 60 * 1000;

/** A key's effective limit: its own, else the hub's default, where 0 means none. */
function effectiveLimit(own: number | null, policy: MintingPolicy): number {
  const limit = own ?? policy.defaultRateLimitPerMinute;
  return limit === 0 ? Number.POSITIVE_INFINITY : limit;
}

export function checkRateLimitGrant(
  creator: Principal,
  requested: number | null,
  policy: MintingPolicy,
): MintingRefusal | undefined {
  const held = effectiveLimit(creator.rateLimitPerMinute, policy);
  if (effectiveLimit(requested, policy) <= held) return undefined;
  return {
    ok: false,
    kind: "forbidden",
    field: "rateLimitPerMinute",
    message: `may not exceed the calling key's own limit of ${held} per minute`,
  };
}

export function tenantMintedKey(
  creator: Principal,
  requested: {
    scopes: readonly Scope[];
    expiresAt?: Date | undefined;
    rateLimitPerMinute?: number | null | undefined;
  },
  policy: MintingPolicy,
  now: Date,
): { ok: true; expiresAt: Date; rateLimitPerMinute: number | null } | MintingRefusal {
  const notHeld = requested.scopes.filter((scope) => !creator.scopes.has(scope));
  if (notHeld.length > 0) {
    return {
      ok: false,
      kind: "forbidden",
      field: "scopes",
      message: `not held by the calling key: ${[...new Set(notHeld)].join(", ")}`,
    };
  }

  const maxLifetime = new Date(now.getTime() + policy.maxLifetimeDays * dayMs);
  const latest = creator.expiresAt && creator.expiresAt < maxLifetime ? creator.expiresAt : maxLifetime;
  const expiresAt = requested.expiresAt ?? latest;
  if (expiresAt > latest) {
    return {
      ok: false,
      kind: "invalid",
      field: "expiresAt",
      message:
        latest === maxLifetime
          ? `must be at most ${policy.maxLifetimeDays} days ahead (${latest.toISOString()})`
          : `may not be later than the calling key's own expiry (${latest.toISOString()})`,
    };
  }

  // A key minted without a limit gets its creator's: the hub's default may be more than it holds.
  const rateLimitPerMinute =
    requested.rateLimitPerMinute === undefined ? creator.rateLimitPerMinute : requested.rateLimitPerMinute;
  const tooFast = checkRateLimitGrant(creator, rateLimitPerMinute, policy);
  if (tooFast) return tooFast;
  return { ok: true, expiresAt, rateLimitPerMinute };
}
