import type { Job } from "bullmq";
import { and, eq } from "drizzle-orm";
import type {
  Channel,
  DeliveryReceipt,
  OutboundMessage,
  Sender,
  SendResult,
} from "../../connectors/contract.js";
import type { QueueName } from "../../queues/catalog.js";
import { createRedisConnection } from "../../queues/connection.js";
import { customerIdentities, customers, events, notificationDeliveries } from "../../src/db/schema/index.js";
import { newId } from "../../src/ids.js";
import { redisInAppAnnouncer } from "../../src/notifications/inApp/announcer.js";
import { enqueueDeliveries, notificationRateLimits } from "../../src/notifications/jobs.js";
import type { SenderSource } from "../../src/notifications/ports.js";
import { deliveryReceiptSink } from "../../src/notifications/receipts.js";
import { readDefaultTemplates, shippedTemplatesDir } from "../../src/templates/defaults.js";
import { loadDefaultTemplates } from "../../src/templates/service.js";
import { testRedisUrl } from "../support/env.js";
import { bearer, type TestHub } from "../support/testHub.js";
import { startTestWorkers } from "../support/workers.js";

export const notificationQueues: QueueName[] = [
  "notify-email",
  "notify-sms",
  "notify-telegram",
  "notify-whatsapp",
  "notify-push",
  "notify-in_app",
  "notification-sweep",
];

/**
 * A provider at the contract's boundary that answers as told and remembers every message it
 * accepted: the pipeline's tests script outcomes a real provider gives only sometimes (a 5xx, then
 * success; a receipt that overtakes the API's answer). The senders themselves are tested through
 * their client libraries against fake servers (connectors/), and so is the pipeline end to end.
 */
export class ScriptedProvider {
  readonly accepted: OutboundMessage[] = [];
  readonly calls: OutboundMessage[] = [];
  /** Outcomes to give, per delivery id, in order; then "sent". */
  readonly script = new Map<
    string,
    Array<SendResult | ((m: OutboundMessage, id: string) => Promise<SendResult>)>
  >();
  /** Outcome for every message of a channel, when no script names its delivery. */
  readonly byChannel = new Map<Channel, SendResult["outcome"]>();
  #counter = 0;

  source(): SenderSource {
    return {
      senderFor: async (_tenantId, channel) => ({
        ok: true,
        sender: this.sender(channel),
        provider: "scripted",
      }),
    };
  }

  sender<C extends Channel>(channel: C): Sender<C> {
    return {
      channel,
      send: async (sent) => {
        const message = sent as unknown as OutboundMessage;
        this.calls.push(message);
        const id = `msg_${++this.#counter}`;
        const next = this.script.get(message.deliveryId)?.shift();
        const result =
          typeof next === "function"
            ? await next(message, id)
            : (next ?? this.#default(message.content.channel, id));
        if (result.outcome === "sent") this.accepted.push(message);
        return result;
      },
    };
  }

  #default(channel: Channel, id: string): SendResult {
    const outcome = this.byChannel.get(channel) ?? "sent";
    if (outcome === "sent") return { outcome, providerMessageId: id };
    return { outcome, reason: `${channel} provider says no (${outcome})` };
  }

  acceptedFor(deliveryId: string): OutboundMessage[] {
    return this.accepted.filter((m) => m.deliveryId === deliveryId);
  }
}

export async function loadDefaults(hub: TestHub): Promise<void> {
  await loadDefaultTemplates(hub.db, readDefaultTemplates(shippedTemplatesDir));
}

/** The notification workers on the test hub's queues, sending through the given provider. */
export function startNotificationWorkers(
  hub: TestHub,
  provider: ScriptedProvider | SenderSource,
  queues = notificationQueues,
) {
  const announcer = createRedisConnection(testRedisUrl, "client");
  const settings = hub.config.notifications;
  const { connection, pool } = startTestWorkers(hub, {
    queues,
    limiters: notificationRateLimits(settings),
    notifications: {
      senders: provider instanceof ScriptedProvider ? provider.source() : provider,
      inApp: redisInAppAnnouncer(announcer, hub.prefix),
      settings,
      providerTimeoutMs: 1000,
    },
  });
  return {
    pool,
    async close() {
      await pool.close();
      connection.disconnect();
      announcer.disconnect();
    },
  };
}

/** Runs `fn` with the queues paused, so the jobs it makes wait, and start together when they resume. */
export async function withQueuesPaused<T>(
  hub: TestHub,
  queues: QueueName[],
  fn: () => Promise<T>,
): Promise<T> {
  await Promise.all(queues.map((q) => hub.producer.queues[q].pause()));
  try {
    return await fn();
  } finally {
    await Promise.all(queues.map((q) => hub.producer.queues[q].resume()));
  }
}

export function receiptSinkOf(hub: TestHub) {
  return deliveryReceiptSink({
    db: hub.db,
    enqueue: (d) => enqueueDeliveries(hub.producer, hub.config.notifications, d),
  });
}

export function receipt(
  channel: Channel,
  providerMessageId: string,
  status: DeliveryReceipt["status"],
  reason?: string,
): DeliveryReceipt {
  return { channel, providerMessageId, status, at: new Date(), ...(reason ? { reason } : {}) };
}

/**
 * A customer of the tenant, as the service desk or SCT07 would have made it: the profile row and an
 * identity per address (the notifications read addresses from identities, as every module does).
 */
export async function newCustomer(
  hub: TestHub,
  tenantId: string,
  contact: {
    id?: string;
    email?: string | null;
    phone?: string | null;
    telegram?: string;
    language?: string | null;
    optOuts?: string[];
  } = {},
): Promise<string> {
  const id = contact.id ?? newId("customer");
  const email = contact.email === undefined ? `budi.${id.slice(-8)}@example.co.id` : contact.email;
  const phone =
    contact.phone === undefined
      ? `+62812${Math.floor(Math.random() * 1e8)
          .toString()
          .padStart(8, "0")}`
      : contact.phone;
  await hub.db.transaction(async (tx) => {
    await tx.insert(customers).values({
      id,
      tenantId,
      name: "Budi Santoso",
      email,
      phone,
      preferredLanguage: contact.language === undefined ? "id-ID" : contact.language,
      optOuts: contact.optOuts ?? [],
    });
    const identities = [
      email ? { kind: "email" as const, value: email } : undefined,
      phone ? { kind: "phone" as const, value: phone } : undefined,
      contact.telegram ? { kind: "telegram" as const, value: contact.telegram } : undefined,
    ].filter((i) => i !== undefined);
    if (identities.length > 0)
      await tx
        .insert(customerIdentities)
        .values(identities.map((i) => ({ ...i, id: newId("identity"), tenantId, customerId: id })));
  });
  return id;
}

export type NotificationJson = {
  id: string;
  status: string;
  read: boolean;
  inApp: { title: string; body: string; link?: string } | null;
  deliveries: Array<{
    id: string;
    channel: Channel;
    status: string;
    reason: string | null;
    attempts: number;
    providerMessageId: string | null;
    fallbackFrom: string | null;
    locale: string | null;
  }>;
} & Record<string, unknown>;

export async function postNotification(
  hub: TestHub,
  key: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await hub.request("/api/v1/omni/notifications", {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { data: NotificationJson } & Record<string, unknown>,
  };
}

export async function getNotification(hub: TestHub, key: string, id: string): Promise<NotificationJson> {
  const res = await hub.request(`/api/v1/omni/notifications/${id}`, { headers: bearer(key) });
  return ((await res.json()) as { data: NotificationJson }).data;
}

export async function deliveryRow(hub: TestHub, id: string) {
  const [row] = await hub.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, id));
  return row;
}

export async function eventsOf(hub: TestHub, tenantId: string, notificationId: string) {
  return hub.db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.subjectId, notificationId)))
    .orderBy(events.occurredAt);
}

export type { Job };
