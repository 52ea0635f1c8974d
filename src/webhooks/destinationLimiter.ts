import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";

/** How many attempts may be in flight to one destination at once, and may start per second. */
export type DestinationLimits = { maxConcurrency: number; ratePerSecond: number };

export type Permit =
  | { granted: true; release(): void }
  | { granted: false; reason: "concurrency" | "rate"; retryAfterMs: number };

/**
 * How many attempts are in flight to a destination, lapsed leases dropped first. The lease set
 * holds single jobs (one slot each) and lines' leases (see leaseLua); a line's member counts the
 * slots the hash `held` gives it, and loses them when its lease lapses (its process died).
 */
const inFlightLua = `
local function inFlightNow(leases, held, now)
  if redis.call('HLEN', held) > 0 then
    for _, lapsed in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now)) do
      redis.call('HDEL', held, lapsed)
    end
  end
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  local count = redis.call('ZCARD', leases)
  for _, slots in ipairs(redis.call('HVALS', held)) do count = count + tonumber(slots) - 1 end
  return count
end
`;

/**
 * Both limits of one destination, checked and taken together in one Redis script: one round trip
 * per attempt, and nothing taken unless both allow it.
 *
 * Starts are paced, not polled for. The pace is a generic cell rate algorithm (GCRA, as
 * redis-cell and rate-limiter-flexible's leaky bucket count): a destination has a theoretical
 * arrival time `tat`, each start moves it one interval on, and a start is allowed while `tat` is
 * at most a second ahead of now (so an idle destination may start a second's worth at once, as a
 * per-second limit reads). A job refused is not told "later": it is given the instant its turn
 * comes, the reservation is kept under its id, and it sleeps until then. A backlog of any size
 * for one partner therefore costs Redis one ask per job and turn, never a poll per job per
 * second; polling a backlog of tens of thousands saturated Redis and starved every other part of
 * the hub of it (the ticket benchmark's collapse in its third round, session 6).
 *
 * The interval is the longer of 1/rate and (average attempt duration / concurrency): a slow
 * partner's backlog is paced at what its concurrency can carry, measured from the attempts'
 * durations (an exponential moving average kept beside `tat`), so its jobs, too, come back about
 * when a slot frees rather than to find it full.
 *
 * Concurrency is a counting semaphore with leases, a sorted set of holders scored by when their
 * lease lapses. Lapsed leases (a worker killed mid-attempt) are dropped before counting, so a crash
 * frees its slot once the lease runs out; a holder asking again (the same job after a crash)
 * renews its own. A job whose turn came and that finds every slot taken keeps its turn (its
 * reservation stays, due) and asks again shortly, without queueing behind the backlog again.
 * Redis's own clock times everything, so workers' clocks never disagree.
 *
 * Asks for several holders in turn (ARGV from the fourth on), and answers a pair per holder: 0, 0
 * when granted; 1, ms when the concurrency is full (ms until the oldest lease lapses at the
 * latest); 2, ms when the job's turn is ms away.
 */
const acquireLua = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leases, pace, turns, held = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local maxConcurrency, leaseMs, rate = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local burstMs = 1000
local forgetMs = 3600000
${inFlightLua}
local inFlight = inFlightNow(leases, held, now)
local function acquire(holder)
  if redis.call('ZSCORE', leases, holder) then
    redis.call('ZADD', leases, now + leaseMs, holder)
    return 0, 0
  end
  local turn = redis.call('ZSCORE', turns, holder)
  if turn then
    turn = tonumber(turn)
    if turn > now then return 2, math.ceil(turn - now) end
  else
    local interval = 1000 / rate
    local averageMs = tonumber(redis.call('HGET', pace, 'avg') or '0')
    if averageMs / maxConcurrency > interval then interval = averageMs / maxConcurrency end
    local tat = tonumber(redis.call('HGET', pace, 'tat') or '0')
    if tat < now then tat = now end
    tat = tat + interval
    redis.call('HSET', pace, 'tat', tat)
    redis.call('PEXPIRE', pace, math.ceil(tat - now) + forgetMs)
    if tat - now > burstMs then
      turn = tat - burstMs
      redis.call('ZREMRANGEBYSCORE', turns, '-inf', now - forgetMs)
      redis.call('ZADD', turns, turn, holder)
      redis.call('PEXPIRE', turns, math.ceil(turn - now) + forgetMs)
      return 2, math.ceil(turn - now)
    end
  end
  if inFlight >= maxConcurrency then
    if not turn then
      redis.call('ZADD', turns, now, holder)
      redis.call('PEXPIRE', turns, forgetMs)
    end
    local oldest = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
    return 1, tonumber(oldest[2]) - now
  end
  if turn then redis.call('ZREM', turns, holder) end
  redis.call('ZADD', leases, now + leaseMs, holder)
  redis.call('PEXPIRE', leases, leaseMs)
  inFlight = inFlight + 1
  return 0, 0
end
local answers = {}
for i = 4, #ARGV do
  local verdict, waitMs = acquire(ARGV[i])
  answers[#answers + 1] = verdict
  answers[#answers + 1] = waitMs
end
return answers
`;

/**
 * Frees holders' slots and folds each attempt's duration into the destination's average (weight
 * 1/8 for the newest), which paces the starts of a partner slower than its rate allows. ARGV is
 * holder, duration, holder, duration, ...
 */
const releaseLua = `
local averageMs = tonumber(redis.call('HGET', KEYS[2], 'avg') or '-1')
for i = 1, #ARGV, 2 do
  redis.call('ZREM', KEYS[1], ARGV[i])
  local durationMs = tonumber(ARGV[i + 1])
  if averageMs < 0 then averageMs = durationMs else averageMs = averageMs + (durationMs - averageMs) / 8 end
end
redis.call('HSET', KEYS[2], 'avg', averageMs)
if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], 3600000) end
return 0
`;

/**
 * A destination's line in one process holds its slots as one lease: a member `owner` of the lease
 * set, its slot count in the hash `held`. The line says how many of its attempts still run
 * (`holding`) and how many more it would start (`wanted`); it is granted as many as both limits
 * allow now, and holds `holding` + granted slots until its next call or until the lease lapses
 * (a crashed process's slots come back like a single job's). The count is absolute, so a call
 * whose answer was lost is corrected by the next, and slots of attempts ended since the last call
 * are given back by it: a line of busy attempts costs Redis one call per turn of the event loop,
 * with the same few arguments however many deliveries it starts or ends.
 *
 * Starts take their intervals from the same pace as single jobs' (GCRA); a line refused by rate is
 * told when the next start fits and keeps no reservation (it is one asker per process, not a
 * backlog of jobs). The ended attempts' mean duration is folded into the average as that many
 * attempts of that duration would be.
 *
 * Answers granted, then 0 (all granted), 1 (concurrency full) or 2 (rate), and ms to wait.
 */
const leaseLua = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leases, pace, held = KEYS[1], KEYS[2], KEYS[3]
local maxConcurrency, leaseMs, rate = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local owner, holding, wanted = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local endedCount, endedMeanMs = tonumber(ARGV[7]), tonumber(ARGV[8])
local burstMs = 1000
local forgetMs = 3600000
${inFlightLua}
local averageMs = tonumber(redis.call('HGET', pace, 'avg') or '-1')
if endedCount > 0 then
  if averageMs < 0 then averageMs = endedMeanMs
  else averageMs = averageMs + (endedMeanMs - averageMs) * (1 - (7 / 8) ^ endedCount) end
  redis.call('HSET', pace, 'avg', averageMs)
end
local inFlight = inFlightNow(leases, held, now)
local own = tonumber(redis.call('HGET', held, owner) or '0')
local free = maxConcurrency - (inFlight - own) - holding
local granted = wanted
local verdict, waitMs = 0, 0
if free < granted then
  granted = math.max(free, 0)
  verdict = 1
  local oldest = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
  if oldest[2] then waitMs = tonumber(oldest[2]) - now end
end
if granted > 0 then
  local interval = 1000 / rate
  if averageMs / maxConcurrency > interval then interval = averageMs / maxConcurrency end
  local tat = tonumber(redis.call('HGET', pace, 'tat') or '0')
  if tat < now then tat = now end
  local fits = math.floor((now + burstMs - tat) / interval)
  if fits < granted then
    granted = math.max(fits, 0)
    verdict = 2
    waitMs = math.ceil(tat + (granted + 1) * interval - burstMs - now)
  end
  if granted > 0 then
    tat = tat + granted * interval
    redis.call('HSET', pace, 'tat', tat)
    redis.call('PEXPIRE', pace, math.ceil(tat - now) + forgetMs)
  end
end
if redis.call('PTTL', pace) < 0 then redis.call('PEXPIRE', pace, forgetMs) end
local slots = holding + granted
if slots > 0 then
  redis.call('HSET', held, owner, slots)
  redis.call('ZADD', leases, now + leaseMs, owner)
  if redis.call('PTTL', leases) < leaseMs then redis.call('PEXPIRE', leases, leaseMs) end
  if redis.call('PTTL', held) < leaseMs then redis.call('PEXPIRE', held, leaseMs) end
elseif own > 0 or redis.call('ZSCORE', leases, owner) then
  redis.call('HDEL', held, owner)
  redis.call('ZREM', leases, owner)
end
return {granted, verdict, waitMs}
`;

/** A line's call: slots it still uses, starts it would make, attempts ended since its last call. */
export type LeaseAsk = {
  holding: number;
  wanted: number;
  ended: { count: number; totalMs: number };
};

export type LeaseAnswer =
  | { granted: number; refused?: undefined }
  | { granted: number; refused: { reason: "concurrency" | "rate"; retryAfterMs: number } };

type LimiterClient = Redis & {
  webhookLease(
    leaseKey: string,
    paceKey: string,
    heldKey: string,
    maxConcurrency: number,
    leaseMs: number,
    ratePerSecond: number,
    owner: string,
    holding: number,
    wanted: number,
    endedCount: number,
    endedMeanMs: number,
  ): Promise<number[]>;
  webhookAcquireMany(
    leaseKey: string,
    paceKey: string,
    turnsKey: string,
    heldKey: string,
    maxConcurrency: number,
    leaseMs: number,
    ratePerSecond: number,
    ...holders: string[]
  ): Promise<number[]>;
  webhookReleaseMany(
    leaseKey: string,
    paceKey: string,
    ...holdersAndDurations: Array<string | number>
  ): Promise<number>;
};

type Asking = { holder: string; resolve: (answer: [number, number]) => void; reject: (err: unknown) => void };
/** The asks for one destination under the same limits, gathered in one turn of the event loop. */
type AskGroup = { destination: string; limits: DestinationLimits; leaseMs: number; asking: Asking[] };

/**
 * Per-destination concurrency and rate limits shared by every worker process, in Redis. A job that
 * may not run yet is not waited for in a worker slot: the caller puts it back as delayed until its
 * turn, so a slow or throttled partner occupies at most its own limit of the queue's slots and the
 * others' jobs go on. Keys are under the hub's prefix (a Cluster hash tag), per destination.
 *
 * Asks and releases made in the same turn of the event loop go to Redis together, one script call
 * per destination for each (releases first, so a slot freed before an ask is free for it): under
 * load a worker's concurrent attempts cost Redis one call per destination and turn, not two each.
 * A batch is the same as its asks made one after another in the order they were made.
 */
export function destinationLimiter(redis: Redis, keyPrefix: string, logger: Pick<Logger, "warn">) {
  const client = redis as LimiterClient;
  if (typeof client.webhookAcquireMany !== "function") {
    client.defineCommand("webhookAcquireMany", { numberOfKeys: 4, lua: acquireLua });
    client.defineCommand("webhookLease", { numberOfKeys: 3, lua: leaseLua });
    client.defineCommand("webhookReleaseMany", { numberOfKeys: 2, lua: releaseLua });
  }
  const keysOf = (destination: string) => ({
    lease: `${keyPrefix}:webhook-lease:${destination}`,
    pace: `${keyPrefix}:webhook-pace:${destination}`,
    turns: `${keyPrefix}:webhook-turns:${destination}`,
    held: `${keyPrefix}:webhook-held:${destination}`,
  });
  let asks = new Map<string, AskGroup>();
  let releases = new Map<string, Array<string | number>>();
  let flushing = false;

  const flush = () => {
    flushing = false;
    const releasing = releases;
    const asking = asks;
    releases = new Map();
    asks = new Map();
    for (const [destination, holdersAndDurations] of releasing) {
      const keys = keysOf(destination);
      client
        .webhookReleaseMany(keys.lease, keys.pace, ...holdersAndDurations)
        .catch((err: unknown) =>
          logger.warn({ err, destination }, "could not release a webhook destination's slots"),
        );
    }
    for (const group of asking.values()) {
      const keys = keysOf(group.destination);
      client
        .webhookAcquireMany(
          keys.lease,
          keys.pace,
          keys.turns,
          keys.held,
          group.limits.maxConcurrency,
          group.leaseMs,
          group.limits.ratePerSecond,
          ...group.asking.map((a) => a.holder),
        )
        .then(
          (answers) => {
            for (const [i, ask] of group.asking.entries())
              ask.resolve([Number(answers[2 * i]), Number(answers[2 * i + 1])]);
          },
          (err: unknown) => {
            for (const ask of group.asking) ask.reject(err);
          },
        );
    }
  };
  const scheduleFlush = () => {
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  };

  return {
    /**
     * Renews line `owner`'s lease on the destination's slots: it holds `holding` + granted slots
     * for at most `leaseMs` (see leaseLua). Calls of one owner must not overlap: each one's count
     * replaces the last.
     */
    async lease(
      destination: string,
      owner: string,
      limits: DestinationLimits,
      leaseMs: number,
      ask: LeaseAsk,
    ): Promise<LeaseAnswer> {
      const keys = keysOf(destination);
      const { count, totalMs } = ask.ended;
      const [granted = 0, verdict = 0, waitMs = 0] = (
        await client.webhookLease(
          keys.lease,
          keys.pace,
          keys.held,
          limits.maxConcurrency,
          leaseMs,
          limits.ratePerSecond,
          owner,
          ask.holding,
          ask.wanted,
          count,
          count > 0 ? Math.round(totalMs / count) : 0,
        )
      ).map(Number);
      if (verdict === 1) return { granted, refused: { reason: "concurrency", retryAfterMs: waitMs } };
      if (verdict === 2) return { granted, refused: { reason: "rate", retryAfterMs: waitMs } };
      return { granted };
    },

    /**
     * A slot for `holder` (a job id) for at most `leaseMs`, within the destination's limits. The
     * release is sent with the next batch and not waited for: the slot is free as soon as Redis
     * reads it, and this connection carries it there before anything the worker asks after (its
     * next job's ask). A release that fails (Redis away) is logged; the slot lapses with its lease.
     */
    async acquire(
      destination: string,
      holder: string,
      limits: DestinationLimits,
      leaseMs: number,
    ): Promise<Permit> {
      const groupKey = `${destination} ${limits.maxConcurrency} ${limits.ratePerSecond} ${leaseMs}`;
      let group = asks.get(groupKey);
      if (!group) {
        group = { destination, limits, leaseMs, asking: [] };
        asks.set(groupKey, group);
      }
      const asked = group;
      const [verdict, waitMs] = await new Promise<[number, number]>((resolve, reject) => {
        asked.asking.push({ holder, resolve, reject });
        scheduleFlush();
      });
      if (verdict === 1) return { granted: false, reason: "concurrency", retryAfterMs: waitMs };
      if (verdict === 2) return { granted: false, reason: "rate", retryAfterMs: waitMs };
      const grantedAt = Date.now();
      return {
        granted: true,
        release: () => {
          let releasing = releases.get(destination);
          if (!releasing) {
            releasing = [];
            releases.set(destination, releasing);
          }
          releasing.push(holder, Date.now() - grantedAt);
          scheduleFlush();
        },
      };
    },
  };
}

export type DestinationLimiter = ReturnType<typeof destinationLimiter>;
