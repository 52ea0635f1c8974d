/**
 * Whether an endpoint's event types take an event: exact names, `*` for every event, or a prefix
 * ending in `.*` (`omni.journey.*` takes `omni.journey.advanced`, not `omni.journeys`).
 */
export function takesEventType(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => {
    if (p === "*") return true;
    if (p.endsWith(".*")) return type.startsWith(p.slice(0, -1));
    return p === type;
  });
}

/** What an event type pattern may look like: names of letters, digits, '_' and '-' joined by dots. */
export const eventTypePattern = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;
