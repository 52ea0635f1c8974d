import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { DestinationStream } from "pino";
import type { ReceiptSink, SenderDeps } from "../../connectors/contract.js";
import { conversationSenders } from "../../connectors/inbound.js";
import { bullPrefix, createRedisConnection } from "../../queues/connection.js";
import { enqueueOutbound } from "../../queues/handlers/inbound.js";
import { Producer } from "../../queues/producer.js";
import { createFilesystemBlobStore } from "../../src/blobs/filesystem.js";
import { channelAccountReader } from "../../src/channelAccounts/service.js";
import { loadConfig } from "../../src/config.js";
import { createApp } from "../../src/http/app.js";
import { inboundRuntime, senderDepsOf } from "../../src/inbound/wiring.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";
import { webchatSender } from "../../src/webchat/outbound.js";
import { createTestDatabase } from "./database.js";
import { testRedisUrl } from "./env.js";
import { recordingReceipts } from "./fakes/recordingReceipts.js";
import { deleteRedisKeys, testRedisPrefix } from "./redis.js";

export const testAdminToken = "test-admin-token-0123456789abcdef0123456789";
/** The key that seals channel credentials in tests (32 bytes, base64). */
export const testChannelSecretKeys = `test:${Buffer.alloc(32, 7).toString("base64")}`;

/**
 * The API app on a database and a Redis prefix of its own, driven with app.request() as Hono's
 * own tests do. Real PostgreSQL, real Redis; nothing mocked.
 */
export async function createTestHub(
  env: Record<string, string> = {},
  logDestination?: DestinationStream,
  options: {
    receipts?: ReceiptSink;
    /** The clock replies are held to WhatsApp's 24-hour window with. */
    now?: () => Date;
    /** The whatsapp-web.js client senders use for a tenant (the gateway's, in the hub). */
    whatsappWebClient?: SenderDeps["whatsappWebClient"];
  } = {},
) {
  // DATABASE_POOL_SIZE sizes the test database's pool too: a test can give the hub one connection.
  const database = await createTestDatabase(
    env.DATABASE_POOL_SIZE ? { poolSize: Number(env.DATABASE_POOL_SIZE) } : {},
  );
  const prefix = testRedisPrefix();
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: prefix,
    ADMIN_TOKEN: testAdminToken,
    CHANNEL_SECRET_KEYS: testChannelSecretKeys,
    LOG_LEVEL: "silent",
    ...env,
  });
  // With a destination the test reads what the hub logs (LOG_LEVEL in env then says how much).
  const logger = createLogger(config.log, logDestination);
  const connection = createRedisConnection(config.redis.url, "producer");
  connection.on("error", () => undefined); // a test that points at a dead Redis expects failures
  // Counters (rate limits, failed authentications) go to memory until Redis is ready; tests count from Redis.
  await new Promise<void>((resolve) => {
    connection.once("ready", () => resolve());
    connection.once("error", () => resolve());
  });
  const producer = new Producer(connection, bullPrefix(prefix));
  const metrics = createMetrics();
  const db = database.handle.db;
  const blobDir = mkdtempSync(join(tmpdir(), "sbt-blobs-"));
  const blobs = createFilesystemBlobStore(blobDir);
  const replySenders = conversationSenders(
    senderDepsOf(config, db, options.whatsappWebClient ?? (() => undefined)),
  );
  // What the workers' inbound handlers run on, as the hub wires it (src/hub.ts).
  const inbound = inboundRuntime({
    config,
    db,
    blobs,
    accounts: channelAccountReader(db, config.channels.secretKeys),
    senders: replySenders,
    webchat: webchatSender(db, connection, prefix),
    enqueueOutbound: enqueueOutbound(producer),
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = createApp({
    config,
    logger,
    db,
    metrics,
    queues: Object.values(producer.queues),
    producer,
    redis: connection,
    blobs,
    receipts: options.receipts ?? recordingReceipts(),
    readiness: [
      { name: "database", check: () => database.handle.ping() },
      { name: "redis", check: async () => void (await connection.ping()) },
    ],
  });

  const request = (path: string, init: RequestInit = {}) => app.request(path, init);

  const adminRequest = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${testAdminToken}`);
    if (init.json !== undefined) headers.set("content-type", "application/json");
    const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
    return app.request(path, { ...init, headers, body: body ?? null });
  };

  /** A tenant and one key with the given scopes, made through the admin API as an operator would. */
  async function createTenantWithKey(slug: string, scopes: string[]) {
    const tenantRes = await adminRequest("/api/admin/tenants", {
      method: "POST",
      json: { slug, name: slug },
    });
    if (tenantRes.status !== 201) throw new Error(`tenant: ${tenantRes.status} ${await tenantRes.text()}`);
    const tenant = ((await tenantRes.json()) as { data: { id: string } }).data;
    const keyRes = await adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId: tenant.id, name: `${slug} key`, scopes },
    });
    if (keyRes.status !== 201) throw new Error(`key: ${keyRes.status} ${await keyRes.text()}`);
    const key = ((await keyRes.json()) as { data: { id: string; key: string } }).data;
    return { tenantId: tenant.id, keyId: key.id, key: key.key };
  }

  return {
    app,
    config,
    db,
    database,
    producer,
    metrics,
    prefix,
    blobs,
    blobDir,
    inbound,
    request,
    adminRequest,
    createTenantWithKey,
    async close() {
      await replySenders.close();
      await producer.close();
      connection.disconnect();
      await database.drop();
      await deleteRedisKeys(prefix);
      rmSync(blobDir, { recursive: true, force: true });
    },
  };
}

export type TestHub = Awaited<ReturnType<typeof createTestHub>>;

export function bearer(key: string): { authorization: string } {
  return { authorization: `Bearer ${key}` };
}

/** A plain Redis client for assertions on what the hub wrote. */
export function redisClient(): Redis {
  return new Redis(testRedisUrl);
}
