import type { Database } from "../db/client.js";
import { type Claimed, claimBatchRows, claimDelivery, releaseHolds } from "./claims.js";
import type { WebhookSecretKeys } from "./storedSecrets.js";

/**
 * The most claims asked for ahead at once: a batched claim statement's rows (more would be asked
 * the single-row way once the statement's lane is full).
 */
const maxWindow = claimBatchRows;

/**
 * A batch job's claims, asked for ahead of its deliveries' turns in the destination's line: when a
 * delivery's turn comes its row is already held and read, so the attempt goes straight to its
 * POST, and its slot (the process's and the destination's) is not held through a claim's round
 * trip. The turns come in the line's order; up to `window` claims (the caller's: about two rounds
 * of the destination's attempts, so a claim's round trip is over before its turn) are asked for
 * ahead, a quarter of the window at a time, so under load they go as few, larger statements. A claim made ahead holds its row early: one whose turn was
 * long in coming is renewed before its POST (see deliverWebhook), and those whose turn never came
 * (the line stopped) are given back by releaseUnused.
 */
export function claimsAhead(
  db: Database,
  keys: WebhookSecretKeys,
  holdMs: number,
  deliveryIds: readonly string[],
  window: number,
) {
  const size = Math.max(1, Math.min(maxWindow, window));
  const chunk = Math.max(1, Math.floor(size / 4));
  const position = new Map(deliveryIds.map((id, i) => [id, i]));
  const asked = new Map<string, Promise<Claimed | undefined>>();
  let next = 0;
  const ask = () => {
    const id = deliveryIds[next++] as string;
    const claim = claimDelivery(db, keys, id, holdMs, { firstOnly: true });
    // Whoever takes it meets its failure; one never taken is only given back (releaseUnused).
    claim.catch(() => undefined);
    asked.set(id, claim);
  };

  return {
    /**
     * Asks for the first chunk's claims now, before the first turn: a job joins its line behind a
     * round or two of attempts, so its first deliveries' claims are back by their turns instead of
     * each of them holding its slot through a claim's round trip. A chunk, not the window: a line's
     * jobs joining together would otherwise put more claims in the statement's lane than it takes
     * before sending the rest one by one (batchedStatement's overflow).
     */
    prime(): void {
      while (asked.size < chunk && next < deliveryIds.length) ask();
    },

    /** The claim of the delivery whose turn came, with the next ones asked for. */
    take(deliveryId: string): Promise<Claimed | undefined> {
      const at = position.get(deliveryId);
      if (at === undefined) throw new Error(`delivery ${deliveryId} is not this batch's`);
      while (next <= at) ask();
      const claim = asked.get(deliveryId) as Promise<Claimed | undefined>;
      asked.delete(deliveryId);
      if (asked.size <= size - chunk) while (asked.size < size && next < deliveryIds.length) ask();
      return claim;
    },

    /** Gives back the holds of claims whose turn never came. */
    async releaseUnused(): Promise<void> {
      const left = await Promise.allSettled(asked.values());
      asked.clear();
      await releaseHolds(
        db,
        left.flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : [])),
      );
    },
  };
}
