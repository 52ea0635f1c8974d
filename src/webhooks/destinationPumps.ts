import type { DestinationLimiter, DestinationLimits } from "./destinationLimiter.js";

/** One delivery's attempt; resolves once its slot may go to the next (its success may still be recording). */
export type AttemptRun = (deliveryId: string) => Promise<void>;

/** How a pump's run of a batch job's deliveries ended: all attempted, or some left at a stop. */
export type PumpOutcome = { attempted: number; stopped: number };

type Waiting = {
  deliveryId: string;
  run: AttemptRun;
  /** Called once, as the delivery leaves the line (started, or stopped). */
  left: () => void;
  settle: (outcome: "attempted" | "stopped") => void;
};

const minBackoffMs = 50;
const maxBackoffMs = 1000;
/** The longest a batch job is sent away for: past it, it looks at the line again. */
const maxAwayMs = 30_000;

/**
 * The batch jobs' first attempts in this process, one pump per destination: the deliveries of every
 * batch job of that destination running here wait in one line, in the order they came, and start as
 * the destination's limits (the shared Redis limiter: concurrency and rate) and the process's
 * attempt slots allow. Several batch jobs of one destination therefore never ask the limiter against
 * each other, and a slot freed by an attempt goes to the next delivery in line at once: the asks of
 * one event-loop turn are one script call (see destinationLimiter).
 *
 * A refusal by rate waits for the turn the limiter gave (a backlog is paced, not polled); a refusal
 * by concurrency (other processes hold the slots) asks again after a short, growing back-off, or as
 * soon as one of this pump's own attempts ends. Nothing here touches the database or BullMQ.
 */
export function destinationPumps(options: {
  limiter: DestinationLimiter;
  /** How long a granted slot is leased: the delivery's hold (deliveryHoldMs). */
  holdMs: number;
  /** Attempts this process runs at once over every destination (WEBHOOK_WORKER_CONCURRENCY). */
  maxAttempts: number;
  /** Told of each ask the limiter refused, for the deferral metric. */
  onRefused: (reason: "concurrency" | "rate") => void;
}) {
  const { limiter, holdMs, maxAttempts, onRefused } = options;
  let running = 0;
  let stopped = false;
  const pumps = new Map<string, Pump>();
  /** Pumps with deliveries waiting for a process slot: served in turn as slots free. */
  const starved = new Set<Pump>();

  class Pump {
    readonly waiting: Waiting[] = [];
    inFlight = 0;
    limits: DestinationLimits;
    /** Average time between starts while deliveries wait (ms): how fast the line moves. */
    startIntervalMs = 0;
    #lastStartAt = 0;
    /** When the line, with the batch jobs sent away to come back in turn, is expected to be empty. */
    lineEndsAt = 0;
    /** Batch jobs with deliveries in the line that have not started yet. */
    queuedRuns = 0;
    #timer: NodeJS.Timeout | undefined;
    /** Set while a refusal by rate stands: nothing is asked before then. */
    #turnAt = 0;
    #refusals = 0;

    constructor(
      readonly destination: string,
      limits: DestinationLimits,
    ) {
      this.limits = limits;
    }

    fill(): void {
      if (stopped || Date.now() < this.#turnAt) return;
      const room = Math.min(
        this.limits.maxConcurrency - this.inFlight,
        this.waiting.length,
        maxAttempts - running,
      );
      if (room <= 0) {
        if (this.waiting.length > 0 && running >= maxAttempts) starved.add(this);
        return;
      }
      this.#clearTimer();
      const asked = this.waiting.splice(0, room);
      // Held while asking, so that other pumps do not take the process's slots meanwhile. Asks
      // overlap: a slot freed while one is out is asked for at once (asks of one turn are one call).
      running += asked.length;
      this.inFlight += asked.length;
      void this.#ask(asked);
    }

    async #ask(asked: Waiting[]): Promise<void> {
      const limits = this.limits;
      const permits = await Promise.allSettled(
        asked.map((w) => limiter.acquire(this.destination, w.deliveryId, limits, holdMs)),
      );
      const refused: Waiting[] = [];
      let waitMs: number | undefined;
      let byRate = false;
      for (const [i, settled] of permits.entries()) {
        const w = asked[i] as Waiting;
        const permit = settled.status === "fulfilled" ? settled.value : undefined;
        if (permit?.granted) {
          this.#start(w, permit.release);
          continue;
        }
        running--;
        this.inFlight--;
        refused.push(w);
        if (permit) {
          onRefused(permit.reason);
          if (permit.reason === "rate") byRate = true;
          waitMs = Math.min(waitMs ?? permit.retryAfterMs, permit.retryAfterMs);
        }
      }
      // The refused keep their places at the head of the line.
      this.waiting.unshift(...refused);
      if (refused.length > 0) {
        if (byRate) this.#turnAt = Date.now() + (waitMs ?? 0);
        // A refusal by concurrency with attempts of its own running asks again when one ends.
        if (byRate || this.inFlight === 0) this.#retryAfter(byRate ? (waitMs ?? 0) : this.#backoffMs());
        else this.#refusals++;
      } else {
        this.#refusals = 0;
        this.fill();
      }
      serveStarved();
    }

    #start(w: Waiting, release: () => void): void {
      const now = Date.now();
      // Measured while deliveries wait, so idle time between batches does not count.
      if (this.#lastStartAt > 0 && this.waiting.length > 0) {
        const intervalMs = now - this.#lastStartAt;
        this.startIntervalMs += (intervalMs - this.startIntervalMs) / 32;
      }
      this.#lastStartAt = now;
      w.left();
      const finish = () => {
        release();
        running--;
        this.inFlight--;
        w.settle("attempted");
        this.fill();
        serveStarved();
        if (this.inFlight === 0 && this.waiting.length === 0 && pumps.get(this.destination) === this)
          pumps.delete(this.destination);
      };
      // The attempt reports its own failures (it never rejects for an HTTP outcome); an unexpected
      // error is its batch job's, which settle carries.
      w.run(w.deliveryId).then(finish, (err: unknown) => {
        failed.set(w, err);
        finish();
      });
    }

    #backoffMs(): number {
      const ms = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.#refusals++, 8));
      return Math.round(ms * (1 + Math.random() * 0.5));
    }

    #retryAfter(ms: number): void {
      this.#clearTimer();
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#turnAt = 0;
        this.fill();
      }, ms);
      this.#timer.unref();
    }

    #clearTimer(): void {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
    }

    stop(): void {
      this.#clearTimer();
      for (const w of this.waiting.splice(0)) {
        w.left();
        w.settle("stopped");
      }
    }
  }

  /** Errors of attempts, handed to their batch job's run. */
  const failed = new WeakMap<Waiting, unknown>();

  function serveStarved(): void {
    for (const pump of starved) {
      if (running >= maxAttempts) return;
      starved.delete(pump);
      pump.fill();
    }
  }

  return {
    /**
     * How long a batch job of `size` deliveries to this destination should stay away, or undefined
     * to run here now. It runs now while the line is shorter than the destination's concurrency, or
     * holds fewer than two batch jobs not yet started: enough to do for the time a job sent away
     * takes to come back, and at most the concurrency's worth of batch jobs plus two in worker slots
     * for one destination. Sent away (back to delayed, no worker slot held), a job is given its turn
     * as the limiter gives a refused job its own: after the line and the jobs sent away before it,
     * at the pace the line has been moving (at most maxAwayMs), so it comes back about when there is
     * room rather than to find the line full. A job back from its turn that still finds no room
     * (the pace changed) waits for about half its own size's worth, without a new turn.
     */
    deferral(
      destination: string,
      limits: DestinationLimits,
      size: number,
      hadItsTurn: boolean,
    ): number | undefined {
      const pump = pumps.get(destination);
      if (!pump || pump.waiting.length < limits.maxConcurrency || pump.queuedRuns < 2) return undefined;
      const now = Date.now();
      // Half the pace measured: a job back early finds the line still long and waits a little
      // more (a cheap move), where one back late leaves the destination idle.
      const perStartMs = Math.max(pump.startIntervalMs, 1000 / limits.ratePerSecond) / 2;
      let awayMs: number;
      if (hadItsTurn) awayMs = (size / 2) * perStartMs;
      else {
        // Back a little before the line empties: the concurrency's worth still waiting when it joins.
        const lineEmptyAt = now + Math.max(0, pump.waiting.length - limits.maxConcurrency) * perStartMs;
        const turnAt = Math.max(lineEmptyAt, pump.lineEndsAt);
        pump.lineEndsAt = turnAt + size * perStartMs;
        awayMs = turnAt - now;
      }
      return Math.round(Math.min(maxAwayMs, Math.max(minBackoffMs, awayMs)) * (1 + Math.random() * 0.1));
    },

    /**
     * Runs `run` for each delivery, in order, within the destination's limits; resolves once each
     * was attempted, or left because the pumps stopped. An unexpected error of an attempt (the
     * database away) rejects, once the others have settled.
     */
    async run(
      destination: string,
      limits: DestinationLimits,
      deliveryIds: readonly string[],
      run: AttemptRun,
    ): Promise<PumpOutcome> {
      if (stopped) return { attempted: 0, stopped: deliveryIds.length };
      let pump = pumps.get(destination);
      if (!pump) {
        pump = new Pump(destination, limits);
        pumps.set(destination, pump);
      }
      pump.limits = limits;
      const line = pump;
      const entries: Waiting[] = [];
      let inLine = deliveryIds.length;
      line.queuedRuns++;
      const leave = () => {
        if (--inLine === 0) line.queuedRuns--;
      };
      const settled = deliveryIds.map(
        (deliveryId) =>
          new Promise<"attempted" | "stopped">((settle) => {
            const w = { deliveryId, run, left: leave, settle };
            entries.push(w);
            line.waiting.push(w);
          }),
      );
      line.fill();
      const outcomes = await Promise.all(settled);
      const error = entries.find((w) => failed.has(w));
      if (error) throw failed.get(error);
      const left = outcomes.filter((o) => o === "stopped").length;
      return { attempted: outcomes.length - left, stopped: left };
    },

    /** Starts nothing more; deliveries still waiting are handed back to their jobs as stopped. */
    stop(): void {
      stopped = true;
      for (const pump of pumps.values()) pump.stop();
    },
  };
}

export type DestinationPumps = ReturnType<typeof destinationPumps>;
