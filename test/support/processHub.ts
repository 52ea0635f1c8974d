import { loadConfig } from "../../src/config.js";
import { type RunningHub, startHub } from "../../src/hub.js";
import { createLogger } from "../../src/logger.js";
import { testRedisUrl } from "./env.js";
import { testAdminToken, testChannelSecretKeys } from "./testHub.js";

/**
 * A hub started as src/main.ts starts it (its own HTTP port on loopback, the roles ROLE names, its
 * workers and listeners), on a test database and Redis prefix: for tests of processes and roles.
 * `variables` win over these defaults.
 */
export function startProcessHub(
  place: { databaseUrl: string; redisPrefix: string; dataDir: string },
  variables: Readonly<Record<string, string>> = {},
): Promise<RunningHub> {
  const config = loadConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: place.dataDir,
    DATABASE_URL: place.databaseUrl,
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: place.redisPrefix,
    REDIS_AUTOSTART: "false",
    ADMIN_TOKEN: testAdminToken,
    CHANNEL_SECRET_KEYS: testChannelSecretKeys,
    LOG_LEVEL: "silent",
    ...variables,
  });
  return startHub(config, createLogger(config.log));
}
