/**
 * A short-lived in-process cache for per-tenant settings that every request reads and admins
 * rarely change (service catalogue, SLA rules, business calendar). Writes made through this
 * process forget the entry at once; other processes see a change within `ttlMs`.
 *
 * Entries are kept per database handle, so two hubs in one process (tests) never share them. A
 * caller inside a transaction loads through it (the settings functions take the transaction as
 * their reader): fetching a pool connection while holding one starves the pool once every
 * connection is held by a transaction waiting for another (the inbound router's workers did, for
 * up to the pool's connection timeout, every time an entry expired).
 */
export function tenantSettingsCache<V>(ttlMs: number) {
  const byDatabase = new WeakMap<object, Map<string, { loadedAt: number; value: Promise<V> }>>();
  const entries = (db: object) => {
    let map = byDatabase.get(db);
    if (!map) {
      map = new Map();
      byDatabase.set(db, map);
    }
    return map;
  };
  return {
    get(db: object, tenantId: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
      const map = entries(db);
      const hit = map.get(tenantId);
      // A load in flight may run in another caller's transaction, which can fail for its own
      // reasons: this caller then loads for itself.
      if (hit && now - hit.loadedAt < ttlMs) return hit.value.catch(load);
      const value = load();
      map.set(tenantId, { loadedAt: now, value });
      // A failed load must not be served from the cache.
      value.catch(() => {
        if (map.get(tenantId)?.value === value) map.delete(tenantId);
      });
      return value;
    },
    forget(db: object, tenantId: string): void {
      byDatabase.get(db)?.delete(tenantId);
    },
  };
}

/** How long another process may go on using settings an admin just changed. */
export const tenantSettingsTtlMs = 30_000;
