import { z } from "zod";
import { estimatedEntropyBits, minimumAdminTokenBits } from "./auth/secretStrength.js";
import { type NotificationChannel, notificationChannels } from "./notifications/vocabulary.js";
import { type Keyring, parseKeyring } from "./secrets/keyring.js";
import { originOf } from "./webchat/origin.js";
import { type Cidr, parseCidr } from "./webhooks/destinationPolicy.js";

/**
 * The one configuration object. Parsed from the environment once at start; everything else
 * receives it (or a slice of it) as an argument and never reads process.env itself.
 */

export const roles = ["all", "api", "worker", "gateway"] as const;
export type Role = (typeof roles)[number];

const booleanFromString = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  ROLE: z.enum(roles).default("all"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  OPERATIONS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** When unset, the hub keeps its data in an embedded PostgreSQL (PGlite) under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** The longest one SQL statement may run (PostgreSQL statement_timeout); 0 turns it off. */
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  DATA_DIR: z.string().min(1).default("./.data"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  /** Prefix of every Redis key the hub writes (queues, locks, rate limits). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, '-' and '_' only, at most 40")
    .default("sb"),
  /** Start a local redis-server for the run when nothing answers at REDIS_URL. */
  REDIS_AUTOSTART: booleanFromString.default(true),
  /** Authenticates /api/admin and /admin/queues. Without it the admin API answers 401. */
  ADMIN_TOKEN: z.string().min(32, "must be at least 32 characters").optional(),
  /** Bearer token a scraper sends to /metrics; unset = public outside production, closed in it. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_PRETTY: booleanFromString.default(false),
  /** Largest accepted request body, after decompression. Attachments arrive base64 in JSON. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(15 * 1024 * 1024),
  /** Where attachment bytes are kept (filesystem blob store); default DATA_DIR/blobs. */
  BLOB_DIR: z.string().min(1).optional(),
  ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(10 * 1024 * 1024),
  ATTACHMENT_MAX_COUNT: z.coerce.number().int().min(1).max(100).default(10),
  /** Requests per minute of an API key without a limit of its own; 0 = no limit for those. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Failed authentications (API key or admin token) per client address per minute, then 429. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /** Requests per minute per client address on the admin API. */
  ADMIN_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /** How many proxies in front of the hub append to X-Forwarded-For; 0 = ignore the header. */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** The longest life of a key a tenant mints for itself (operators' keys are not bound by it). */
  TENANT_KEY_MAX_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** How often the SLA scan looks for breached tickets. */
  SLA_SCAN_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Base of trackingUrl in service-desk answers; relative ("/tickets/12345") when unset. */
  TRACKING_BASE_URL: z.url().optional(),
  /** CIDRs that webhooks may reach although not public (a partner on the bank's own network); empty by default. */
  WEBHOOK_ALLOWED_NETWORKS: z
    .string()
    .default("")
    .transform((text, ctx) => {
      const networks: Cidr[] = [];
      for (const part of text.split(",").filter((p) => p.trim() !== "")) {
        const cidr = parseCidr(part);
        if (!cidr) ctx.addIssue({ code: "custom", message: `${part.trim()} is not an address or CIDR` });
        else networks.push(cidr);
      }
      return networks;
    }),
  /** How long one webhook POST may take, connection to last byte. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Delays before each retry of a webhook after the first attempt (comma-separated ms); then it fails. */
  WEBHOOK_RETRY_DELAYS_MS: z
    .string()
    .default("5000,300000,1800000,7200000,18000000,36000000,36000000")
    .transform((text, ctx) => {
      const delays = text.split(",").map((d) => Number(d.trim()));
      if (delays.some((d) => !Number.isInteger(d) || d < 0))
        ctx.addIssue({ code: "custom", message: "comma-separated whole milliseconds" });
      return delays;
    }),
  /** An endpoint failing every attempt for this long is disabled (default 5 days). */
  WEBHOOK_DISABLE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(5 * 24 * 3600_000),
  /** How long a rotated-out endpoint secret keeps signing beside the new one (default 24 h). */
  WEBHOOK_SECRET_OVERLAP_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3600_000),
  /**
   * Webhook attempts one worker process runs at once, all destinations together. A delivery mostly
   * waits on a partner (up to WEBHOOK_TIMEOUT_MS): with each endpoint held to its own concurrency,
   * this many slots let that many partners be slow at once before the others wait.
   */
  WEBHOOK_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(100),
  /** Attempts in flight to one endpoint at once, unless the endpoint sets its own maxConcurrency. */
  WEBHOOK_ENDPOINT_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  /** Attempts started per second to one endpoint, unless the endpoint sets its own rateLimitPerSecond. */
  WEBHOOK_ENDPOINT_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(100),
  /** How often the sweeper re-enqueues deliveries due in PostgreSQL but missing from Redis. */
  WEBHOOK_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** The locale every template falls back to when the recipient's language has no variant. */
  NOTIFICATION_DEFAULT_LOCALE: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a language tag such as en or id")
    .default("en"),
  /** Where the default message templates are read from; the shipped templates/ when unset. */
  TEMPLATES_DIR: z.string().min(1).optional(),
  /** Attempts of one delivery that fail for a passing reason (a timeout, a 5xx, a 429), then it fails. */
  NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  /** The first retry's delay; each next one doubles it (exponential backoff). */
  NOTIFICATION_RETRY_DELAY_MS: z.coerce.number().int().min(10).default(2000),
  /** How often the sweeper re-enqueues due deliveries missing from Redis and expires stale ones. */
  NOTIFICATION_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** Per-channel send limits for provider quotas, e.g. `sms=30/1000,email=200/1000` (messages per ms). */
  NOTIFICATION_RATE_LIMITS: z
    .string()
    .default("")
    .transform((text, ctx) => {
      const limits: Partial<Record<NotificationChannel, { max: number; durationMs: number }>> = {};
      for (const part of text.split(",").filter((p) => p.trim() !== "")) {
        const match = /^\s*([a-z_]+)\s*=\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(part);
        const channel = notificationChannels.find((c) => c === match?.[1]);
        if (!match || !channel || Number(match[2]) < 1 || Number(match[3]) < 1)
          ctx.addIssue({ code: "custom", message: `${part.trim()} is not <channel>=<max>/<ms>` });
        else limits[channel] = { max: Number(match[2]), durationMs: Number(match[3]) };
      }
      return limits;
    }),
  /** How long a client may take to send a request's headers, and the whole request. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(15_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How long an idle keep-alive connection stays open; above a load balancer's idle timeout (60 s). */
  HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(65_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  OUTBOX_RELAY_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  /** How long an SCT07 session handoff token can be resumed (default 5 minutes). */
  HANDOFF_TOKEN_TTL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300_000),
  /** A customer's message this long after their ticket was resolved reopens it; later, a new ticket. */
  INBOUND_REOPEN_WINDOW_HOURS: z.coerce.number().min(0).default(72),
  /** A claim dialogue left unanswered this long is dropped. */
  INBOUND_DIALOGUE_EXPIRY_HOURS: z.coerce.number().min(0.01).default(24),
  /** The zone customers' dates are read in ("hari ini", "19/12"). */
  INBOUND_TIME_ZONE: z
    .string()
    .default("Asia/Jakarta")
    .refine((zone) => isTimeZone(zone), "must be an IANA time zone, e.g. Asia/Jakarta"),
  /** Largest body a channel webhook (Telegram, Twilio) may send. */
  INBOUND_WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** How often inbound messages and outbound replies whose job Redis lost are enqueued again. */
  INBOUND_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** webhook: Telegram posts updates to the hub; polling: the gateway role asks for them (getUpdates). */
  TELEGRAM_INBOUND_MODE: z.enum(["webhook", "polling"]).default("webhook"),
  /** getUpdates' long-poll timeout in polling mode (Telegram allows up to 50). */
  TELEGRAM_POLL_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(50).default(50),
  /** The gateway role's SMTP listener for customers' mail; unset: no listener (0: any free port). */
  INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Where the SMTP listener binds: loopback unless the bank's mail server is on another host. */
  INBOUND_SMTP_HOST: z.string().min(1).default("127.0.0.1"),
  /** Largest mail the listener accepts, encoded attachments included (552 above). */
  INBOUND_SMTP_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  /** whatsapp-web.js LocalAuth sessions (one directory per tenant); default DATA_DIR/whatsapp-web. */
  WHATSAPP_WEB_SESSION_DIR: z.string().min(1).optional(),
  /** The Chromium whatsapp-web.js drives (puppeteer's own download is off). */
  WHATSAPP_WEB_CHROMIUM_PATH: z.string().min(1).default("/usr/bin/chromium"),
  /**
   * Keys that encrypt channel credentials and push subscriptions at rest: `id:base64key,...`, each
   * 32 bytes, the first one current. Unset outside production: a key kept in DATA_DIR is made.
   */
  CHANNEL_SECRET_KEYS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const keyring = parseKeyring(text);
      if (typeof keyring === "string") ctx.addIssue({ code: "custom", message: keyring });
      return typeof keyring === "string" ? undefined : keyring;
    }),
  /** The hub's address as providers reach it: channel webhook URLs and Twilio's signed callback URL. */
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How long one call to a channel provider (SMTP, Twilio, Telegram, Graph API, push) may take. */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /**
   * Web pages (origins) that may open the web chat socket besides the hub's own: `*` for any, or a
   * comma-separated list such as `https://www.bank.example,https://m.bank.example`.
   */
  WEBCHAT_ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((text, ctx): "*" | string[] => {
      if (text.trim() === "*") return "*";
      const origins: string[] = [];
      for (const part of text.split(",").filter((p) => p.trim() !== "")) {
        const origin = originOf(part.trim());
        if (origin) origins.push(origin);
        else
          ctx.addIssue({
            code: "custom",
            message: `${part.trim()} is not an origin like https://bank.example`,
          });
      }
      return origins;
    }),
  /** Largest frame a web chat socket may send (UTF-8 bytes); larger ones get an error frame. */
  WEBCHAT_MAX_MESSAGE_BYTES: z.coerce.number().int().min(256).max(65_536).default(4096),
  /** Frames one web chat socket may send per WEBCHAT_RATE_WINDOW_MS; more get an error frame. */
  WEBCHAT_RATE_MAX_MESSAGES: z.coerce.number().int().min(1).default(20),
  WEBCHAT_RATE_WINDOW_MS: z.coerce.number().int().min(100).default(60_000),
  /** Frames refused for a limit before the socket is closed (1008, policy violation). */
  WEBCHAT_MAX_VIOLATIONS: z.coerce.number().int().min(1).default(10),
  /** Chats one client address may start per minute, per tenant (each may create a customer); 0: no limit. */
  WEBCHAT_STARTS_PER_MINUTE: z.coerce.number().int().min(0).default(30),
});

/** `scheme://host[:port]` of an http(s) origin as written, or undefined when it is anything else. */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type Config = Readonly<{
  env: "development" | "production" | "test";
  role: Role;
  http: {
    host: string;
    port: number;
    /**
     * Where a process without the API (worker, gateway) serves /healthz, /readyz and /metrics, so its
     * own counters (webhook attempts, delivery latencies) can be scraped; unset: it serves nothing.
     */
    operationsPort: number | undefined;
    bodyLimitBytes: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
  };
  database: { url: string | undefined; poolSize: number; dataDir: string; statementTimeoutMs: number };
  redis: { url: string; prefix: string; autostart: boolean };
  adminToken: string | undefined;
  /** open: /metrics answers anyone; token: only a bearer of it; closed: nobody. */
  metrics: { access: "open" } | { access: "token"; token: string } | { access: "closed" };
  log: { level: string; pretty: boolean };
  shutdownTimeoutMs: number;
  outboxRelayIntervalMs: number;
  attachments: { blobDir: string; maxBytes: number; maxCount: number };
  rateLimitPerMinute: number;
  auth: { failuresPerMinute: number; adminRequestsPerMinute: number; trustedProxies: number };
  tenantKeyMaxDays: number;
  notifications: NotificationSettings;
  slaScanIntervalMs: number;
  trackingBaseUrl: string | undefined;
  webhooks: WebhookSettings;
  handoffTokenTtlMs: number;
  channels: ChannelSettings;
  inbound: InboundConfig;
  webchat: WebChatSettings;
}>;

/** The web chat socket's limits and who may open it (src/webchat). */
export type WebChatSettings = {
  /** `*`: any page; a list: those origins, and always the hub's own pages. */
  allowedOrigins: "*" | readonly string[];
  maxMessageBytes: number;
  rate: { maxMessages: number; windowMs: number };
  maxViolations: number;
  /** Chats one client address may start a minute, per tenant; 0: no limit. */
  startsPerMinute: number;
};

/** The conversation router and the channels' receive halves. */
export type InboundConfig = {
  reopenWindowMs: number;
  dialogueExpiryMs: number;
  timeZone: string;
  webhookMaxBytes: number;
  sweepIntervalMs: number;
  telegramMode: "webhook" | "polling";
  telegramPollTimeoutSeconds: number;
  /** The gateway's SMTP listener, when INBOUND_SMTP_PORT is set. */
  smtp: { host: string; port: number; maxBytes: number } | undefined;
  /** The gateway role's whatsapp-web.js sessions. */
  whatsappWeb: { sessionDir: string; chromiumPath: string };
};

export type ChannelSettings = {
  /** Without a public URL of its own, http://localhost:PORT. No trailing slash. */
  publicBaseUrl: string;
  providerTimeoutMs: number;
  /** Unset: nothing secret can be stored (main makes one outside production, src/secrets/localKey.ts). */
  secretKeys: Keyring | undefined;
};

export type WebhookSettings = {
  allowedNetworks: readonly Cidr[];
  /** Production refuses plain-http endpoint URLs. */
  httpsOnly: boolean;
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  disableAfterMs: number;
  secretOverlapMs: number;
  sweepIntervalMs: number;
  /** Webhook attempts a worker process runs at once. */
  workerConcurrency: number;
  /** Limits of a destination that sets none of its own (a ticket's URL always). */
  endpointDefaults: { maxConcurrency: number; ratePerSecond: number };
};

export type NotificationSettings = {
  defaultLocale: string;
  templatesDir: string | undefined;
  maxAttempts: number;
  retryDelayMs: number;
  sweepIntervalMs: number;
  rateLimits: Partial<Record<NotificationChannel, { max: number; durationMs: number }>>;
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses the environment; a wrong or missing value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set": shells and compose files often export VAR= to clear one.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const v = parsed.data;
  if (v.NODE_ENV === "production" && !v.ADMIN_TOKEN) {
    throw new ConfigError("invalid configuration: ADMIN_TOKEN: required when NODE_ENV=production");
  }
  if (
    v.NODE_ENV === "production" &&
    v.ADMIN_TOKEN &&
    estimatedEntropyBits(v.ADMIN_TOKEN) < minimumAdminTokenBits
  ) {
    throw new ConfigError(
      `invalid configuration: ADMIN_TOKEN: too guessable (needs about ${minimumAdminTokenBits} bits of entropy; use e.g. openssl rand -hex 32)`,
    );
  }
  if (v.HTTP_HEADERS_TIMEOUT_MS > v.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      "invalid configuration: HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS",
    );
  }
  return {
    env: v.NODE_ENV,
    role: v.ROLE,
    http: {
      host: v.HOST,
      port: v.PORT,
      operationsPort: v.OPERATIONS_PORT,
      bodyLimitBytes: v.BODY_LIMIT_BYTES,
      headersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: v.HTTP_IDLE_TIMEOUT_MS,
    },
    database: {
      url: v.DATABASE_URL,
      poolSize: v.DATABASE_POOL_SIZE,
      dataDir: v.DATA_DIR,
      statementTimeoutMs: v.STATEMENT_TIMEOUT_MS,
    },
    redis: { url: v.REDIS_URL, prefix: v.REDIS_PREFIX, autostart: v.REDIS_AUTOSTART },
    adminToken: v.ADMIN_TOKEN,
    metrics: v.METRICS_TOKEN
      ? { access: "token", token: v.METRICS_TOKEN }
      : { access: v.NODE_ENV === "production" ? "closed" : "open" },
    log: { level: v.LOG_LEVEL, pretty: v.LOG_PRETTY },
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    outboxRelayIntervalMs: v.OUTBOX_RELAY_INTERVAL_MS,
    attachments: {
      blobDir: v.BLOB_DIR ?? `${v.DATA_DIR}/blobs`,
      maxBytes: v.ATTACHMENT_MAX_BYTES,
      maxCount: v.ATTACHMENT_MAX_COUNT,
    },
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
    auth: {
      failuresPerMinute: v.AUTH_FAILURES_PER_MINUTE,
      adminRequestsPerMinute: v.ADMIN_LIMIT_PER_MINUTE,
      trustedProxies: v.TRUST_PROXY,
    },
    tenantKeyMaxDays: v.TENANT_KEY_MAX_DAYS,
    slaScanIntervalMs: v.SLA_SCAN_INTERVAL_MS,
    notifications: {
      defaultLocale: v.NOTIFICATION_DEFAULT_LOCALE,
      templatesDir: v.TEMPLATES_DIR,
      maxAttempts: v.NOTIFICATION_MAX_ATTEMPTS,
      retryDelayMs: v.NOTIFICATION_RETRY_DELAY_MS,
      sweepIntervalMs: v.NOTIFICATION_SWEEP_INTERVAL_MS,
      rateLimits: v.NOTIFICATION_RATE_LIMITS,
    },
    trackingBaseUrl: v.TRACKING_BASE_URL?.replace(/\/$/, ""),
    webhooks: {
      allowedNetworks: v.WEBHOOK_ALLOWED_NETWORKS,
      httpsOnly: v.NODE_ENV === "production",
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
      retryDelaysMs: v.WEBHOOK_RETRY_DELAYS_MS,
      disableAfterMs: v.WEBHOOK_DISABLE_AFTER_MS,
      secretOverlapMs: v.WEBHOOK_SECRET_OVERLAP_MS,
      sweepIntervalMs: v.WEBHOOK_SWEEP_INTERVAL_MS,
      workerConcurrency: v.WEBHOOK_WORKER_CONCURRENCY,
      endpointDefaults: {
        maxConcurrency: v.WEBHOOK_ENDPOINT_MAX_CONCURRENCY,
        ratePerSecond: v.WEBHOOK_ENDPOINT_RATE_PER_SECOND,
      },
    },
    handoffTokenTtlMs: v.HANDOFF_TOKEN_TTL_MS,
    inbound: {
      reopenWindowMs: Math.round(v.INBOUND_REOPEN_WINDOW_HOURS * 3600_000),
      dialogueExpiryMs: Math.round(v.INBOUND_DIALOGUE_EXPIRY_HOURS * 3600_000),
      timeZone: v.INBOUND_TIME_ZONE,
      webhookMaxBytes: v.INBOUND_WEBHOOK_MAX_BYTES,
      sweepIntervalMs: v.INBOUND_SWEEP_INTERVAL_MS,
      telegramMode: v.TELEGRAM_INBOUND_MODE,
      telegramPollTimeoutSeconds: v.TELEGRAM_POLL_TIMEOUT_SECONDS,
      smtp:
        v.INBOUND_SMTP_PORT === undefined
          ? undefined
          : { host: v.INBOUND_SMTP_HOST, port: v.INBOUND_SMTP_PORT, maxBytes: v.INBOUND_SMTP_MAX_BYTES },
      whatsappWeb: {
        sessionDir: v.WHATSAPP_WEB_SESSION_DIR ?? `${v.DATA_DIR}/whatsapp-web`,
        chromiumPath: v.WHATSAPP_WEB_CHROMIUM_PATH,
      },
    },
    channels: {
      publicBaseUrl: (v.PUBLIC_BASE_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, ""),
      providerTimeoutMs: v.PROVIDER_TIMEOUT_MS,
      secretKeys: v.CHANNEL_SECRET_KEYS,
    },
    webchat: {
      allowedOrigins: v.WEBCHAT_ALLOWED_ORIGINS,
      maxMessageBytes: v.WEBCHAT_MAX_MESSAGE_BYTES,
      rate: { maxMessages: v.WEBCHAT_RATE_MAX_MESSAGES, windowMs: v.WEBCHAT_RATE_WINDOW_MS },
      maxViolations: v.WEBCHAT_MAX_VIOLATIONS,
      startsPerMinute: v.WEBCHAT_STARTS_PER_MINUTE,
    },
  };
}

export function runsApi(role: Role): boolean {
  return role === "all" || role === "api";
}

export function runsWorkers(role: Role): boolean {
  return role === "all" || role === "worker";
}

/**
 * Long-lived channel sessions (whatsapp-web.js, Telegram long polling, the SMTP listener): the
 * gateway role, or everything in one process.
 */
export function runsGateway(role: Role): boolean {
  return role === "all" || role === "gateway";
}
