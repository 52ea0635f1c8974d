/**
 * Messages this process's lanes routed and committed, remembered for a while: a lane routes a
 * thread's waiting messages together, so the jobs of the ones behind the job's own (a customer who
 * wrote several times while the router was busy) come later with nothing left to do. Remembering
 * answers those jobs without a read; routed is final, so an id here never goes stale, and a
 * forgotten one only costs the read that finds it routed (the single way). Oldest forgotten first.
 */
export function settledMessages(capacity: number) {
  const ids = new Set<string>();
  return {
    has: (messageId: string): boolean => ids.has(messageId),
    add(messageIds: Iterable<string>): void {
      for (const id of messageIds) {
        ids.add(id);
        if (ids.size > capacity) {
          const oldest = ids.values().next();
          if (!oldest.done) ids.delete(oldest.value);
        }
      }
    },
  };
}
