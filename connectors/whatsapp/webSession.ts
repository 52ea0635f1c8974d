import type { BlobStore } from "../../src/blobs/store.js";
import type { IntakeResult } from "../../src/inbound/intake.js";
import type { InboundMessage } from "../../src/inbound/message.js";
import type { Logger } from "../../src/logger.js";
import type { ReceiptSink } from "../contract.js";
import { webAckReceipt } from "./webAck.js";
import type { WebMessage, WhatsAppWebSession } from "./webClient.js";
import { readWebMessage } from "./webInbound.js";
import type { WebSessionState, WebSessionStatus } from "./webSessionState.js";

export type WebSessionDeps = {
  /** Builds a tenant's client (webClientFactory.ts in the hub; a fake in tests). */
  createClient: (tenantId: string) => WhatsAppWebSession;
  intake: (messages: readonly InboundMessage[]) => Promise<IntakeResult>;
  receipts: ReceiptSink;
  blobs: BlobStore;
  maxMediaBytes: number;
  logger: Logger;
  /** The wait before the nth reconnection (0 first): backoff. */
  reconnectDelayMs: (attempt: number) => number;
  now: () => Date;
};

export type WebSession = {
  /** The client while the session is ready to send; undefined otherwise. */
  readyClient(): WhatsAppWebSession | undefined;
  status(): WebSessionStatus;
  stop(): Promise<void>;
};

/** Backoff for reconnecting: 1 s, 2 s, 4 s ... up to a minute. */
export const reconnectBackoff = (attempt: number) => Math.min(60_000, 1000 * 2 ** attempt);

const storeAttempts = 3;

/**
 * One tenant's whatsapp-web.js session in this process: a client is built and initialized; its
 * 'qr' is logged and published until the phone scans it; 'ready' makes it the tenant's sender;
 * 'disconnected' (or a failed start) destroys it and builds a new one after a backoff, with the
 * same LocalAuth session on disk. Messages are handled one at a time, in the order they came, and
 * acks become receipts. `publish` is told of every state change.
 */
export function startWebSession(
  tenantId: string,
  deps: WebSessionDeps,
  publish: (status: WebSessionStatus) => void,
): WebSession {
  let current: WhatsAppWebSession | undefined;
  let ready = false;
  let stopped = false;
  let attempt = 0;
  let retry: NodeJS.Timeout | undefined;
  let status: WebSessionStatus = { state: "starting", since: deps.now().toISOString() };
  let handling = Promise.resolve();

  const setState = (state: WebSessionState, qr?: string) => {
    status = { state, ...(qr ? { qr } : {}), since: deps.now().toISOString() };
    publish(status);
  };

  const store = async (message: InboundMessage) => {
    for (let n = 1; ; n++) {
      try {
        await deps.intake([message]);
        return;
      } catch (err) {
        // WhatsApp Web hands a message over once: a failed store is retried before it is given up.
        if (n >= storeAttempts || stopped) throw err;
        await new Promise((resolve) => setTimeout(resolve, deps.reconnectDelayMs(n - 1)));
      }
    }
  };

  const onMessage = async (message: WebMessage) => {
    const read = await readWebMessage(tenantId, message, { blobs: deps.blobs, maxBytes: deps.maxMediaBytes });
    if ("skipped" in read) {
      deps.logger.info({ tenantId, type: read.skipped }, "whatsapp-web: message not read, skipped");
      return;
    }
    await store(read.message);
  };

  const reconnect = (client: WhatsAppWebSession, reason: string) => {
    if (client !== current || stopped) return;
    current = undefined;
    ready = false;
    setState("disconnected");
    client.removeAllListeners();
    client.destroy().catch(() => undefined);
    const delayMs = deps.reconnectDelayMs(attempt++);
    deps.logger.warn({ tenantId, reason, delayMs }, "whatsapp-web: session disconnected; reconnecting");
    retry = setTimeout(open, delayMs);
  };

  function open() {
    if (stopped) return;
    const client = deps.createClient(tenantId);
    current = client;
    setState("starting");
    client.on("qr", (qr) => {
      // The QR string only: it carries no personal data, and the operator may read it from the log.
      deps.logger.info({ tenantId, qr }, "whatsapp-web: scan this QR with the bank's WhatsApp to log in");
      setState("waiting_for_qr", qr);
    });
    client.on("authenticated", () => deps.logger.info({ tenantId }, "whatsapp-web: authenticated"));
    client.on("ready", () => {
      ready = true;
      attempt = 0;
      setState("ready");
      deps.logger.info({ tenantId }, "whatsapp-web: session ready");
    });
    client.on("auth_failure", (reason) => reconnect(client, `auth failure: ${reason}`));
    client.on("disconnected", (reason) => reconnect(client, String(reason)));
    client.on("message", (message) => {
      handling = handling
        .then(() => onMessage(message))
        .catch((err: unknown) =>
          deps.logger.error({ tenantId, err }, "whatsapp-web: a customer's message could not be stored"),
        );
    });
    client.on("message_ack", (message, ack) => {
      const receipt = webAckReceipt(message, ack, deps.now());
      if (!receipt) return;
      deps.receipts
        .record(tenantId, receipt)
        .catch((err: unknown) => deps.logger.warn({ tenantId, err }, "whatsapp-web: receipt not recorded"));
    });
    client.initialize().catch((err: unknown) => reconnect(client, `start failed: ${String(err)}`));
  }

  open();
  return {
    readyClient: () => (ready ? current : undefined),
    status: () => status,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      const client = current;
      current = undefined;
      ready = false;
      client?.removeAllListeners();
      await client?.destroy().catch(() => undefined);
      await handling;
    },
  };
}
