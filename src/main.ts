import { resolveAdminToken } from "./adminToken.js";
import { ConfigError, loadConfig } from "./config.js";
import { startHub } from "./hub.js";
import { createLogger } from "./logger.js";
import { RedisUnavailableError } from "./redis/ensureRedis.js";
import { resolveChannelSecretKeys } from "./secrets/localKey.js";

/** `npm start`: parse the environment, start the configured roles, shut down cleanly on a signal. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`switchboard: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.log);

  const admin = await resolveAdminToken(config);
  if (admin.generatedAt) {
    logger.info(
      { file: admin.generatedAt },
      "ADMIN_TOKEN not set: the admin API uses the token in this file",
    );
  }
  config = { ...config, adminToken: admin.token };

  const secrets = await resolveChannelSecretKeys(config);
  if (secrets.generatedAt) {
    logger.info(
      { file: secrets.generatedAt },
      "CHANNEL_SECRET_KEYS not set: channel credentials are encrypted with the key in this file",
    );
  } else if (!secrets.keys) {
    logger.warn("CHANNEL_SECRET_KEYS not set: channel accounts with credentials cannot be saved");
  }
  config = { ...config, channels: { ...config.channels, secretKeys: secrets.keys } };

  let hub: Awaited<ReturnType<typeof startHub>>;
  try {
    hub = await startHub(config, logger);
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      process.stderr.write(`switchboard: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  logger.info({ role: config.role, url: hub.url }, "switchboard started");

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    hub.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`switchboard: could not start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
