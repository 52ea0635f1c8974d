import type { KeysetPosition } from "../src/db/keyset.js";

/** A sweeper's reach in one tick: pages of `size` due rows, at most `max` of them. */
export type SweepPages = { size: number; max: number };

/** What the sweepers read per tick: 20 pages of 1,000 due rows at most. */
export const sweepPages: SweepPages = { size: 1000, max: 20 };

/**
 * Reads a sweeper's due rows page after page (oldest first by keyset position; `read` continues
 * after the position it is given) and hands each page to `requeue`, which answers how many jobs it
 * put back. A page whose jobs Redis still held ends the tick: the rows after it wait behind those
 * in the queue anyway. A page with lost jobs goes on to the next, so a Redis that restarted empty
 * under a backlog gets it back within a tick or a few, not a page a tick. Returns how many were
 * put back.
 */
export async function sweepInPages<Row extends { position: KeysetPosition }>(
  pages: SweepPages,
  read: (after: KeysetPosition | undefined, limit: number) => Promise<readonly Row[]>,
  requeue: (rows: readonly Row[]) => Promise<number>,
): Promise<number> {
  let requeued = 0;
  let after: KeysetPosition | undefined;
  for (let page = 0; page < pages.max; page++) {
    const rows = await read(after, pages.size);
    const added = rows.length > 0 ? await requeue(rows) : 0;
    requeued += added;
    if (rows.length < pages.size || added === 0) break;
    after = rows[rows.length - 1]?.position;
  }
  return requeued;
}
