import { Redis, type RedisOptions } from "ioredis";
import { gatherWritesPerTick } from "../src/net/gatherWrites.js";

/**
 * The one way the hub opens a Redis connection. Producers fail fast when Redis is away (an API
 * request should get a 503, not hang); workers and long-lived clients wait and retry forever.
 */
export type RedisPurpose = "producer" | "worker" | "client";

export function createRedisConnection(url: string, purpose: RedisPurpose): Redis {
  const options: RedisOptions =
    purpose === "producer"
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectionName: "switchboard-producer" }
      : { maxRetriesPerRequest: null, connectionName: `switchboard-${purpose}` };
  const connection = new Redis(url, options);
  // Each (re)connect opens a new socket: a batch of jobs finishing together leaves in one write.
  connection.on("connect", () => gatherWritesPerTick(connection.stream));
  return connection;
}

/** BullMQ's key prefix. The braces make a Redis Cluster hash tag: one queue's keys stay on one slot. */
export function bullPrefix(redisPrefix: string): string {
  return `{${redisPrefix}}`;
}
