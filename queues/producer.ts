import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type JobPayload, jobCatalog, type QueueName, queueNames } from "./catalog.js";

/**
 * BullMQ's updateData script (a job hash's `data` field, only while the job exists) for many jobs
 * of one queue at once (KEYS the jobs' hashes, ARGV their data), answering 1 for each one written.
 */
const updateDataOfExistingJobs = `local written = {}
for i, key in ipairs(KEYS) do
  if redis.call("EXISTS", key) == 1 then
    redis.call("HSET", key, "data", ARGV[i])
    written[i] = 1
  else
    written[i] = 0
  end
end
return written`;

/** The connection with the script above as a command (ioredis sends it by SHA, its text only when Redis lacks it). */
type ProducerClient = Redis & {
  hubUpdateJobsData(keyCount: number, ...keysThenData: string[]): Promise<unknown>;
};

/** The queues of the catalog, opened once per process, and the one typed way to put a job on them. */
export class Producer {
  readonly queues: { readonly [Q in QueueName]: Queue };

  private readonly connection: ProducerClient;

  constructor(connection: Redis, prefix: string) {
    this.connection = connection as ProducerClient;
    if (typeof this.connection.hubUpdateJobsData !== "function")
      connection.defineCommand("hubUpdateJobsData", { lua: updateDataOfExistingJobs });
    this.queues = Object.fromEntries(
      queueNames.map((name) => {
        // No version check: BullMQ sends INFO as a queue opens and keeps a failure of it as the
        // queue's state for good, so a Redis that went away in that moment (a producer connection
        // fails fast) left every later add failing until the process restarted. Workers, on
        // connections that wait for Redis, still check the version.
        const queue = new Queue(name, {
          connection,
          prefix,
          defaultJobOptions: jobCatalog[name].options,
          skipVersionCheck: true,
        });
        // A queue repeats its connection's errors, which the connection's owner logs; unheard, BullMQ
        // writes each one to stderr, past the logger and its redaction.
        queue.on("error", () => undefined);
        return [name, queue];
      }),
    ) as { [Q in QueueName]: Queue };
  }

  /** Validates the payload against the catalog before it reaches Redis. */
  async enqueue<Q extends QueueName>(
    queue: Q,
    payload: JobPayload<Q>,
    options: JobsOptions & { jobId?: string } = {},
  ): Promise<string> {
    const data = jobCatalog[queue].payload.parse(payload);
    const job = await this.queues[queue].add(queue, data, options);
    if (!job.id) throw new Error(`queue ${queue} returned a job without id`);
    return job.id;
  }

  async enqueueBulk<Q extends QueueName>(
    queue: Q,
    jobs: ReadonlyArray<{ payload: JobPayload<Q>; options?: JobsOptions & { jobId?: string } }>,
  ): Promise<void> {
    if (jobs.length === 0) return;
    const schema = jobCatalog[queue].payload;
    await this.queues[queue].addBulk(
      jobs.map((j) => ({ name: queue, data: schema.parse(j.payload), opts: j.options ?? {} })),
    );
  }

  /**
   * Replaces the data of jobs Redis still has, every job's in one script call: one command and one
   * reply for many jobs where BullMQ's `job.updateData` is a round trip each (and a pipeline of one
   * script each still has Redis run, and ioredis write, a command per job). Each payload is validated as
   * `enqueue` validates it. Answers per job whether it was written (false: Redis no longer has that
   * job, which BullMQ's updateData refuses too). The jobs are one queue's: their keys share its
   * prefix, and so its slot on a Redis Cluster, as BullMQ's own scripts need.
   */
  async updateJobsData<Q extends QueueName>(
    queue: Q,
    updates: ReadonlyArray<{ jobId: string; payload: JobPayload<Q> }>,
  ): Promise<boolean[]> {
    if (updates.length === 0) return [];
    const q = this.queues[queue];
    const schema = jobCatalog[queue].payload;
    const keys = updates.map((u) => q.toKey(u.jobId));
    const data = updates.map((u) => JSON.stringify(schema.parse(u.payload)));
    const written = await this.connection.hubUpdateJobsData(keys.length, ...keys, ...data);
    if (!Array.isArray(written) || written.length !== updates.length)
      throw new Error(`Redis answered ${JSON.stringify(written)} to ${updates.length} job data updates`);
    return written.map((w) => w === 1);
  }

  /**
   * Puts back jobs Redis lost, for rows PostgreSQL says are due (the sweepers): a job still waiting,
   * delayed or running is left alone; one that finished without its row moving on (a crash) is
   * removed first, as its id would keep the new one out; a missing one is added. One state read per
   * job, all sent at once, and one bulk add. Returns how many jobs were added.
   */
  async requeueLost<Q extends QueueName>(
    queue: Q,
    jobs: ReadonlyArray<{ payload: JobPayload<Q>; options: JobsOptions & { jobId: string } }>,
  ): Promise<number> {
    const q = this.queues[queue];
    const states = await Promise.all(jobs.map((j) => q.getJobState(j.options.jobId)));
    const finished = (i: number) => states[i] === "completed" || states[i] === "failed";
    await Promise.all(jobs.map((j, i) => (finished(i) ? q.remove(j.options.jobId) : undefined)));
    const lost = jobs.filter((_, i) => finished(i) || states[i] === "unknown");
    await this.enqueueBulk(queue, lost);
    return lost.length;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}
