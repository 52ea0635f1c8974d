import type { EventEmitter } from "node:events";
import type { DatabaseHandle } from "../src/db/client.js";
import type { Logger } from "../src/logger.js";

/**
 * The channel the events table notifies on when a statement inserts into it (its trigger
 * events_to_outbox, migration 0022). pg_notify is transactional: listeners hear of a commit only.
 */
export const eventsCommittedChannel = "switchboard_events_committed";

/**
 * A database session notifies at most once per 100 ms (the trigger's throttle): its later commits in
 * that window are silent. The relay runs once more this long after the latest notification to pick
 * them up.
 */
const trailingRunMs = 250;

/**
 * How long commits that nudge a relay which has caught up (its last pass found less than a batch)
 * wait before the next pass. Under a steady stream of commits a pass would otherwise start as soon
 * as the last one ends and move a few events; gathered, one pass (five statements) moves what this
 * long brought, and an event waits at most this much longer for its subscribers.
 */
const gatherMs = 100;

export type RelayNudger = {
  /** Asks for a relay run soon. Nudges during a run are coalesced into one more run after it. */
  nudge(): void;
  /** Stops listening and waits for the run in hand. */
  close(): Promise<void>;
};

/**
 * Runs the outbox relay in this process when events are committed, so relaying does not depend on a
 * schedule held in Redis alone (the scheduled tick stays, as the safety net). Committed events reach
 * it through LISTEN on eventsCommittedChannel, from this process and every other (plus a trailing
 * run for commits the trigger's throttle kept silent); a Redis connection that becomes ready again
 * nudges it too, for events that waited in PostgreSQL while Redis was away.
 * At most one run at a time in a process, however many commits arrive; several worker processes
 * relay side by side safely (the relay locks rows with SKIP LOCKED).
 */
export async function startRelayNudger(options: {
  database: Pick<DatabaseHandle, "listen">;
  /** One relay pass; resolves true when more events may be waiting (a full batch). */
  relay: () => Promise<boolean>;
  /** Connections whose "ready" means work that failed for want of Redis can go now. */
  wakeOn: readonly EventEmitter[];
  logger: Logger;
  /** How long commits wait after a failed run before the next try. */
  retryMs?: number;
}): Promise<RelayNudger> {
  const { relay, wakeOn, logger } = options;
  const retryMs = options.retryMs ?? 1000;
  let running: Promise<void> | undefined;
  let pending = false;
  let closed = false;
  let failing = false;
  // A connection became ready while a run was in hand: if that run fails, it failed for want of what
  // is back now, so the next run goes at once instead of after the cooldown.
  let wokenDuringRun = false;
  // After a failed run, commits wait retryMs before the next try: while Redis is away every commit
  // would otherwise start a run that fails at once.
  let cooldown: NodeJS.Timeout | undefined;
  let trailing: NodeJS.Timeout | undefined;
  let gathering: { timer: NodeJS.Timeout; done: () => void } | undefined;
  const gather = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(gathering?.timer);
        gathering = undefined;
        resolve();
      };
      gathering = { timer: setTimeout(done, gatherMs), done };
    });

  const run = async () => {
    // A run's first gather is skipped: a run starts with the first commit of a burst after a quiet
    // spell, and its first pass finds that commit's events only. Gathering before the next pass
    // left the subscribers' workers idle for gatherMs at the start of every burst.
    let gathered = false;
    do {
      pending = false;
      wokenDuringRun = false;
      let more = false;
      try {
        more = await relay();
        if (more) pending = true;
        if (failing) logger.info("outbox relay works again");
        failing = false;
      } catch (err) {
        // Once per outage, not per commit: the events stay in PostgreSQL until a run succeeds.
        if (!failing) logger.warn({ err }, "outbox relay failed; events wait in the outbox table");
        failing = true;
        if (wokenDuringRun && !closed) {
          pending = true;
          continue;
        }
        cooldown = setTimeout(() => {
          cooldown = undefined;
          if (pending) nudge();
        }, retryMs);
        cooldown.unref();
        return;
      }
      if (pending && !more && !closed) {
        if (gathered) await gather();
        gathered = true;
      }
    } while (pending && !closed);
  };
  const nudge = () => {
    if (closed) return;
    if (running || cooldown) {
      pending = true;
      return;
    }
    running = run().finally(() => {
      running = undefined;
    });
  };
  const wake = () => {
    if (running) wokenDuringRun = true;
    clearTimeout(cooldown);
    cooldown = undefined;
    nudge();
  };

  const onCommitted = () => {
    nudge();
    // Counted from the latest notification, not the first of a burst: the commits it leaves silent
    // come after it, and a trailing run armed by an earlier one could fire before they do.
    clearTimeout(trailing);
    trailing = setTimeout(() => {
      trailing = undefined;
      nudge();
    }, trailingRunMs);
    trailing.unref();
  };

  const unlisten = await options.database.listen(eventsCommittedChannel, onCommitted);
  for (const connection of wakeOn) connection.on("ready", wake);
  // Events committed before this process listened.
  nudge();

  return {
    nudge,
    async close() {
      closed = true;
      gathering?.done();
      clearTimeout(cooldown);
      clearTimeout(trailing);
      for (const connection of wakeOn) connection.off("ready", wake);
      await unlisten();
      await running;
    },
  };
}
