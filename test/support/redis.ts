import { Redis } from "ioredis";
import { randomSuffix, testRedisUrl } from "./env.js";

/** A Redis key prefix of its own for one test file, and a way to delete everything under it. */
export function testRedisPrefix(): string {
  return `sbt${randomSuffix()}`;
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(testRedisUrl);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `*${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
