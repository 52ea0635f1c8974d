/**
 * The advisory lock that serialises changes to folded channel activity (the relay's fold and a
 * merge's move): each reads a customer's latest activity and moves a count between hours, which two
 * at once would do from the same stale read. Any constant works; it must be the same everywhere.
 */
export const foldLockKey = 7_314_159_266;
