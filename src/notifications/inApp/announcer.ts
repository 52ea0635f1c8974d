import type { Redis } from "ioredis";
import type { InAppAnnouncement, InAppAnnouncer } from "../ports.js";

/** The Redis pub/sub channel in-app announcements travel on, to every API process. */
export function inAppChannel(redisPrefix: string): string {
  return `${redisPrefix}:notifications:in-app`;
}

/**
 * Announces stored in-app notifications over Redis pub/sub, so whichever API process holds the
 * recipient's WebSocket pushes it. Ids only: the process reads the message from PostgreSQL.
 */
export function redisInAppAnnouncer(redis: Redis, redisPrefix: string): InAppAnnouncer {
  const channel = inAppChannel(redisPrefix);
  return {
    async announce(message: InAppAnnouncement) {
      await redis.publish(channel, JSON.stringify(message));
    },
  };
}

/** For processes without live clients (tests of other queues): announcing reaches nobody. */
export const silentInAppAnnouncer: InAppAnnouncer = { announce: async () => undefined };
