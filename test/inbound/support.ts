import { QueueEvents } from "bullmq";
import { eq } from "drizzle-orm";
import twilio from "twilio";
import { bullPrefix, type createRedisConnection } from "../../queues/connection.js";
import { conversationReplySubscriber } from "../../queues/handlers/inbound.js";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { webhookSubscriber } from "../../queues/handlers/webhooks.js";
import type { WorkerPool } from "../../queues/workerRunner.js";
import { inboundMessages } from "../../src/db/schema/index.js";
import { inboundJobId } from "../../src/inbound/intake.js";
import type { InboundChannel } from "../../src/inbound/message.js";
import { readDefaultTemplates, shippedTemplatesDir } from "../../src/templates/defaults.js";
import { loadDefaultTemplates } from "../../src/templates/service.js";
import { testRedisUrl } from "../support/env.js";
import { startSmtpFake } from "../support/fakes/smtpServer.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import { startTestWorkers } from "../support/workers.js";
import { type FakeBotApi, startFakeBotApi } from "./fakeBotApi.js";
import { startFakeTwilio } from "./fakeTwilio.js";

export const webhookSecret = "s3cret-token_for-the-webhook-0123";

/**
 * A test hub whose tenants have Telegram accounts pointing at a local fake Bot API, with the
 * workers that route inbound messages, send outbound ones and turn agents' replies into messages.
 */
export async function inboundHub(
  env: Record<string, string> = {},
  options: Parameters<typeof createTestHub>[2] = {},
) {
  const bot = await startFakeBotApi();
  const twilioApi = await startFakeTwilio();
  const smtp = await startSmtpFake();
  const hub = await createTestHub(env, undefined, options);
  // As the hub does at start: acknowledgements are rendered from them.
  await loadDefaultTemplates(hub.db, readDefaultTemplates(shippedTemplatesDir));
  // The hub's subscribers: agents' replies to channels, and the service desk's webhooks.
  const subscribers = [conversationReplySubscriber(hub.db, hub.producer), webhookSubscriber(hub.producer)];
  const prefix = bullPrefix(hub.prefix);
  const inboundEvents = new QueueEvents("inbound", { connection: { url: testRedisUrl }, prefix });
  await inboundEvents.waitUntilReady();

  let pool: WorkerPool | undefined;
  let connection: ReturnType<typeof createRedisConnection> | undefined;
  const startRouterWorkers = () => {
    ({ connection, pool } = startTestWorkers(hub, {
      queues: ["inbound", "conversation-outbound", "domain-events", "webhook-delivery", "webhook-batch"],
      subscribers,
    }));
  };
  const stopRouterWorkers = async () => {
    await pool?.close();
    connection?.disconnect();
    pool = undefined;
  };
  startRouterWorkers();

  /** The agents every test tenant has, by user id and name. */
  const agents = [
    ["usr_sari", "Sari"],
    ["usr_dewi", "Dewi"],
  ] as const;

  /**
   * A tenant with a key for the desk and the service desk, and a Telegram account set up as an
   * operator does (the channel accounts admin API), its bot on the fake Bot API.
   */
  async function tenantWithTelegram(slug: string) {
    const credentials = await hub.createTenantWithKey(slug, [
      "desk:read",
      "desk:write",
      "omnichannel:read",
      "omnichannel:create",
    ]);
    const account = await hub.adminRequest(`/api/admin/tenants/${credentials.tenantId}/channels/telegram`, {
      method: "PUT",
      json: {
        provider: "telegram",
        enabled: true,
        settings: { botToken: bot.token, apiRoot: bot.apiRoot, webhookSecret },
      },
    });
    if (account.status !== 200 && account.status !== 201) {
      throw new Error(`telegram account: ${account.status} ${await account.text()}`);
    }
    // The desk's agents are the tenant's users: replies and notes name one by id.
    for (const [id, name] of agents) {
      const user = await hub.adminRequest(`/api/admin/tenants/${credentials.tenantId}/users/${id}`, {
        method: "PUT",
        json: { name, role: "agent" },
      });
      if (user.status !== 200 && user.status !== 201) {
        throw new Error(`agent ${id}: ${user.status} ${await user.text()}`);
      }
    }
    return credentials;
  }

  /** A tenant with an SMS account on the fake Twilio API (the channel accounts admin API). */
  async function tenantWithSms(slug: string) {
    const credentials = await tenantWithTelegram(slug);
    const account = await hub.adminRequest(`/api/admin/tenants/${credentials.tenantId}/channels/sms`, {
      method: "PUT",
      json: {
        provider: "twilio",
        enabled: true,
        settings: {
          accountSid: twilioApi.accountSid,
          authToken: twilioApi.authToken,
          from: "+14155550100",
          apiBaseUrl: twilioApi.apiBaseUrl,
        },
      },
    });
    if (account.status !== 200 && account.status !== 201) {
      throw new Error(`sms account: ${account.status} ${await account.text()}`);
    }
    return credentials;
  }

  /**
   * Twilio posting an incoming SMS to the hub, signed as Twilio signs: HMAC-SHA1 of the URL it was
   * given (under PUBLIC_BASE_URL) and the sorted parameters, with the account's auth token.
   */
  const postSms = (tenantId: string, params: Record<string, string>, authToken = twilioApi.authToken) => {
    const url = `${hub.config.channels.publicBaseUrl}/api/webhooks/sms/${tenantId}`;
    return hub.request(`/api/webhooks/sms/${tenantId}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilio.getExpectedTwilioSignature(authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  };

  /** Resolves when the router's job for a channel's message has finished (whatever it did). */
  async function routedOn(tenantId: string, channel: InboundChannel, providerMessageId: string) {
    const job = await hub.producer.queues.inbound.getJob(inboundJobId(tenantId, channel, providerMessageId));
    if (!job) throw new Error(`no inbound job for ${channel} ${providerMessageId}`);
    return job.waitUntilFinished(inboundEvents, 20_000);
  }

  /** Resolves when the router's job for this SMS has finished. */
  const routedSms = (tenantId: string, messageSid: string) => routedOn(tenantId, "sms", messageSid);

  /**
   * A tenant with an e-mail account: replies go out through the fake SMTP server, and the hub's
   * listener takes mail for `halo@<slug>.bank.example`.
   */
  async function tenantWithEmail(slug: string) {
    const credentials = await tenantWithTelegram(slug);
    const inboundAddress = `halo@${slug}.bank.example`;
    const account = await hub.adminRequest(`/api/admin/tenants/${credentials.tenantId}/channels/email`, {
      method: "PUT",
      json: {
        provider: "smtp",
        enabled: true,
        settings: {
          host: smtp.host,
          port: smtp.port,
          secure: false,
          from: `Bank ${slug} <noreply@${slug}.bank.example>`,
          inboundAddress,
        },
      },
    });
    if (account.status !== 200 && account.status !== 201) {
      throw new Error(`email account: ${account.status} ${await account.text()}`);
    }
    return { ...credentials, inboundAddress };
  }

  /** Telegram posting updates to the hub's webhook. */
  const postUpdate = (tenantId: string, body: unknown, secret: string | null = webhookSecret) =>
    hub.request(`/api/webhooks/telegram/${tenantId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }),
      },
      body: JSON.stringify(body),
    });

  /** Resolves when the router's job for this message has finished (whatever it did). */
  async function routed(tenantId: string, chatId: number, messageId: number) {
    const job = await hub.producer.queues.inbound.getJob(
      inboundJobId(tenantId, "telegram", `${chatId}:${messageId}`),
    );
    if (!job) throw new Error(`no inbound job for ${chatId}:${messageId}`);
    return job.waitUntilFinished(inboundEvents, 20_000);
  }

  /** Moves every committed event to the subscribers' queue, batch by batch, as the hub's relay does. */
  const relay = async () => {
    while ((await relayOutbox(hub.db, hub.producer, subscribers)) > 0);
  };

  const desk = (key: string) => ({
    get: async (path: string) => {
      const res = await hub.request(path, { headers: bearer(key) });
      // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON the API answered.
      return { status: res.status, body: (await res.json()) as any };
    },
    post: async (path: string, body: unknown) => {
      const res = await hub.request(path, {
        method: "POST",
        headers: { ...bearer(key), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON the API answered.
      return { status: res.status, body: (await res.json()) as any };
    },
  });

  const storedMessages = (tenantId: string) =>
    hub.db.select().from(inboundMessages).where(eq(inboundMessages.tenantId, tenantId));

  return {
    hub,
    bot,
    twilioApi,
    smtp,
    tenantWithTelegram,
    tenantWithSms,
    tenantWithEmail,
    postSms,
    routedSms,
    routedOn,
    postUpdate,
    routed,
    relay,
    desk,
    storedMessages,
    startRouterWorkers,
    stopRouterWorkers,
    async close() {
      await stopRouterWorkers();
      await inboundEvents.close();
      await bot.close();
      await twilioApi.close();
      await smtp.close();
      await hub.close();
    },
  };
}

export type InboundHub = Awaited<ReturnType<typeof inboundHub>>;

let updateIds = 5000;

/** A private-chat message as Telegram delivers it. */
export function telegramMessage(
  chatId: number,
  messageId: number,
  content: Record<string, unknown>,
  from: { first_name?: string; last_name?: string; language_code?: string } = {
    first_name: "Budi",
    last_name: "Santoso",
    language_code: "id",
  },
) {
  return {
    update_id: ++updateIds,
    message: {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private", first_name: from.first_name },
      from: { id: chatId, is_bot: false, ...from },
      ...content,
    },
  };
}

export const textMessage = (
  chatId: number,
  messageId: number,
  text: string,
  from?: Parameters<typeof telegramMessage>[3],
) => telegramMessage(chatId, messageId, { text }, from);

export type { FakeBotApi, TestHub };
