import { randomBytes } from "node:crypto";
import type { DestinationLimiter, DestinationLimits, LeaseAnswer } from "./destinationLimiter.js";

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
/** How long a batch job called back may take to reach the line before the next is called instead. */
const recallWaitMs = 2000;

/**
 * The batch jobs' first attempts in this process, one pump per destination: the deliveries of every
 * batch job of that destination running here wait in one line, in the order they came, and start as
 * the destination's limits (the shared Redis limiter: concurrency and rate) and the process's
 * attempt slots allow. Several batch jobs of one destination therefore never ask the limiter against
 * each other, and a slot freed by an attempt goes to the next delivery in line at once: a line makes
 * one lease call at a time (see destinationLimiter), and what happens while it is out goes with the next.
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
  /**
   * Calls a batch job sent away back now (BullMQ: promotes it from delayed); false when it was not
   * waiting any more (back already, or taken by another worker), so the next one is called instead.
   */
  recall: (jobId: string) => Promise<boolean>;
}) {
  const { limiter, holdMs, maxAttempts, onRefused, recall } = options;
  const processToken = randomBytes(6).toString("hex");
  let lines = 0;
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
    /** Batch jobs with deliveries in the line that have not started yet. */
    queuedRuns = 0;
    /**
     * Batch jobs this line sent away, with their sizes, until they are back in it. They come back
     * oldest first by job id: a batch job is named by its first event's id, which is time-ordered
     * (uuidv7), so this is the order of the events' commits, however often a job was sent away.
     */
    readonly away = new Map<string, number>();
    /** Batch jobs called back and not in the line yet, with when they were called. */
    readonly #recalled = new Map<string, number>();
    #timer: NodeJS.Timeout | undefined;
    /** This line's name in the limiter's lease set: its own, so a line gone and a new one never mix counts. */
    readonly owner = `${processToken}.${++lines}`;
    /** Attempts started and not ended (inFlight also counts those being asked for). */
    #running = 0;
    /** Attempts ended since the last call to the limiter, whose slots that call gives back. */
    #ended = { count: 0, totalMs: 0 };
    #asking = false;
    #again = false;
    #syncScheduled = false;
    /** Set while a refusal by rate stands: nothing is asked before then. */
    #turnAt = 0;
    #refusals = 0;

    constructor(
      readonly destination: string,
      limits: DestinationLimits,
    ) {
      this.limits = limits;
    }

    /** Asks for slots for the line's head, or gives back ended attempts' slots, at the next turn. */
    fill(): void {
      if (this.#syncScheduled) return;
      this.#syncScheduled = true;
      setImmediate(() => {
        this.#syncScheduled = false;
        this.#sync();
      });
    }

    /**
     * One call to the limiter at a time per line (each call's count replaces the last): it renews
     * the line's lease for the attempts still running, gives back the slots of those ended since,
     * and asks for as many starts as the line, the destination's concurrency and the process's
     * slots have room for. What happens meanwhile goes with the next call, at once after the answer.
     */
    #sync(): void {
      if (this.#asking) {
        this.#again = true;
        return;
      }
      const mayStart = !stopped && Date.now() >= this.#turnAt;
      const room = mayStart
        ? Math.min(this.limits.maxConcurrency - this.inFlight, this.waiting.length, maxAttempts - running)
        : 0;
      if (mayStart && room <= 0 && this.waiting.length > 0 && running >= maxAttempts) starved.add(this);
      const wanted = Math.max(room, 0);
      if (wanted === 0 && this.#ended.count === 0) return;
      if (wanted > 0) this.#clearTimer();
      const ended = this.#ended;
      this.#ended = { count: 0, totalMs: 0 };
      // Held while asking, so that other pumps do not take the process's slots meanwhile.
      running += wanted;
      this.inFlight += wanted;
      this.#asking = true;
      const holding = this.#running;
      limiter.lease(this.destination, this.owner, this.limits, holdMs, { holding, wanted, ended }).then(
        (answer) => this.#answered(wanted, answer),
        () => this.#answered(wanted, undefined),
      );
    }

    #answered(wanted: number, answer: LeaseAnswer | undefined): void {
      this.#asking = false;
      const granted = Math.min(answer?.granted ?? 0, wanted);
      running -= wanted - granted;
      this.inFlight -= wanted - granted;
      for (const w of this.waiting.splice(0, granted)) this.#start(w);
      const refused = answer?.refused;
      if (granted < wanted) {
        let byRate = false;
        let waitMs = 0;
        if (refused) {
          onRefused(refused.reason);
          byRate = refused.reason === "rate";
          waitMs = refused.retryAfterMs;
        }
        if (byRate) this.#turnAt = Date.now() + waitMs;
        // A refusal by concurrency with attempts of its own running asks again when one ends.
        if (byRate || this.#running === 0) this.#retryAfter(byRate ? waitMs : this.#backoffMs());
        else this.#refusals++;
      } else if (wanted > 0) this.#refusals = 0;
      if (this.#again || (granted === wanted && granted > 0)) {
        this.#again = false;
        this.fill();
      }
      serveStarved();
    }

    #start(w: Waiting): void {
      const now = Date.now();
      // Measured while deliveries wait, so idle time between batches does not count.
      if (this.#lastStartAt > 0 && this.waiting.length > 0) {
        const intervalMs = now - this.#lastStartAt;
        this.startIntervalMs += (intervalMs - this.startIntervalMs) / 32;
      }
      this.#lastStartAt = now;
      this.#running++;
      w.left();
      const finish = () => {
        this.#running--;
        this.#ended.count++;
        this.#ended.totalMs += Date.now() - now;
        running--;
        this.inFlight--;
        w.settle("attempted");
        this.fill();
        serveStarved();
        if (this.idle() && pumps.get(this.destination) === this) pumps.delete(this.destination);
      };
      // The attempt reports its own failures (it never rejects for an HTTP outcome); an unexpected
      // error is its batch job's, which settle carries.
      w.run(w.deliveryId).then(finish, (err: unknown) => {
        failed.set(w, err);
        finish();
      });
    }

    /**
     * A run left the line (its last delivery started): while fewer than two batch jobs' deliveries
     * wait (or are called back), the oldest job sent away is called back, so the line never empties
     * while work for it waits in Redis, whatever the turn that job was given said. `goingAway`, a
     * job being sent away this moment (still running, not delayed yet), is not called this time.
     */
    recallIfShort(goingAway?: string): void {
      if (stopped) return;
      this.#forgetLateRecalls();
      while (this.queuedRuns + this.#recalled.size < 2) {
        const jobId = this.#oldestAway(goingAway);
        if (jobId === undefined) return;
        this.away.delete(jobId);
        this.#recalled.set(jobId, Date.now());
        recall(jobId).then(
          (called) => {
            // Not waiting any more (back on its own turn, or another worker's now): the next one.
            if (!called && this.#recalled.delete(jobId)) this.recallIfShort();
          },
          () => {
            // Redis did not answer: the job comes back on its own turn.
            this.#recalled.delete(jobId);
          },
        );
      }
    }

    /** A job called back that another worker took does not come here: after a while, it is not waited for. */
    #forgetLateRecalls(): void {
      const calledBefore = Date.now() - recallWaitMs;
      for (const [jobId, at] of this.#recalled) if (at < calledBefore) this.#recalled.delete(jobId);
    }

    #oldestAway(except?: string): string | undefined {
      let oldest: string | undefined;
      for (const jobId of this.away.keys())
        if (jobId !== except && (oldest === undefined || jobId < oldest)) oldest = jobId;
      return oldest;
    }

    /**
     * Deliveries of the jobs sent away or called back before `jobId` (older by name), which come
     * back to the line before it; -1 for none. Called back, a job's size is not kept: it counts for 0.
     */
    deliveriesAheadOf(jobId: string): number {
      let ahead = -1;
      for (const [id, size] of this.away) if (id < jobId) ahead = Math.max(ahead, 0) + size;
      for (const id of this.#recalled.keys()) if (id < jobId) ahead = Math.max(ahead, 0);
      return ahead;
    }

    /** Whether the job is one this line called back (and is no longer waited for). */
    arrived(jobId: string): boolean {
      return this.#recalled.delete(jobId);
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

    /** Nothing running, waiting, or sent away to come back here: the pump may go. */
    idle(): boolean {
      this.#forgetLateRecalls();
      return (
        this.inFlight === 0 && this.waiting.length === 0 && this.away.size === 0 && this.#recalled.size === 0
      );
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
     * How long batch job `jobId` of `size` deliveries to this destination should stay away, or
     * undefined to run here now. It runs now when this line called it back, or while the line is
     * shorter than the destination's concurrency or holds fewer than two batch jobs not yet
     * started, unless an older job (by name: by its events' commits) is away or called back: at
     * most the concurrency's worth of batch jobs plus two in worker slots for one destination, and
     * they join the line in the order of their events. A job newer than one sent away does not pass
     * it (a backlog that never lets it in would hold its events until the commits stop): it goes
     * away behind it, and the line calls the older one back now if it has room. Sent away (back to
     * delayed, no worker slot held), jobs are called back by the line as it runs short (see
     * recallIfShort), oldest first. Its own turn is the fallback for a line that cannot call it
     * (Redis did not answer, the process stopped): after the line and the older jobs away, at the
     * pace the line has been moving (at most maxAwayMs).
     */
    deferral(
      destination: string,
      limits: DestinationLimits,
      size: number,
      jobId: string,
    ): number | undefined {
      const pump = pumps.get(destination);
      if (!pump) return undefined;
      const called = pump.arrived(jobId);
      pump.away.delete(jobId);
      const room = pump.waiting.length < limits.maxConcurrency || pump.queuedRuns < 2;
      const ahead = pump.deliveriesAheadOf(jobId);
      if (called || (room && ahead < 0)) return undefined;
      pump.away.set(jobId, size);
      // Room, but older jobs are away: they are called back first, this one after them.
      if (room) pump.recallIfShort(jobId);
      const perStartMs = Math.max(pump.startIntervalMs, 1000 / limits.ratePerSecond);
      const awayMs = (pump.waiting.length + Math.max(ahead, 0)) * perStartMs;
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
        if (--inLine > 0) return;
        line.queuedRuns--;
        line.recallIfShort();
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
