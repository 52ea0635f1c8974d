import { Redis } from "ioredis";

// A run's keys number in the hundreds; this bound only stops a runaway loop on a huge keyspace.
const maxScanRounds = 100_000;

/** Deletes the BullMQ keys (`{prefix}...`) a hub started with REDIS_PREFIX=prefix wrote. */
export async function deleteBullKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectionName: "switchboard-bench",
  });
  redis.on("error", () => undefined); // connect() and the commands below reject with the same error
  await redis.connect();
  try {
    // Braces are literal in a Redis glob, so this matches exactly the hub's hash-tagged prefix.
    const pattern = `{${prefix}}*`;
    let cursor = "0";
    let deleted = 0;
    for (let round = 0; round < maxScanRounds; round++) {
      const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
      if (cursor === "0") return deleted;
    }
    throw new Error(`SCAN for ${pattern} did not finish within ${maxScanRounds} rounds`);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
