import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { WebMessage, WhatsAppWebSession } from "../../../connectors/whatsapp/webClient.js";
import type { WebMedia } from "../../../connectors/whatsapp/webMedia.js";

/**
 * A stand-in for whatsapp-web.js's Client with the methods the sender uses and the events the
 * gateway listens to (qr, authenticated, ready, message, message_ack, disconnected). The real
 * Client satisfies WhatsAppWebSession (connectors/whatsapp/webClientFits.ts proves it); a test
 * plays WhatsApp Web's part by emitting the events the real one emits.
 */
export class FakeWhatsAppWebClient extends EventEmitter implements WhatsAppWebSession {
  readonly sent: Array<{ chatId: string; content: string; id: string }> = [];
  /** Digits of numbers that are on WhatsApp. */
  readonly registered = new Set<string>();
  /** Set to make the next calls fail as a closing browser page does. */
  brokenWith: Error | undefined;
  initialized = 0;
  destroyed = false;
  #next = 1;

  async initialize(): Promise<void> {
    this.initialized++;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }

  async getNumberId(number: string): Promise<{ server: string; user: string; _serialized: string } | null> {
    if (this.brokenWith) throw this.brokenWith;
    return this.registered.has(number)
      ? { server: "c.us", user: number, _serialized: `${number}@c.us` }
      : null;
  }

  async sendMessage(chatId: string, content: string) {
    if (this.brokenWith) throw this.brokenWith;
    const id = `3EB0${(this.#next++).toString(16).padStart(16, "0").toUpperCase()}`;
    const serialized = `true_${chatId}_${id}`;
    this.sent.push({ chatId, content, id: serialized });
    return { id: { fromMe: true, remote: chatId, id, _serialized: serialized } };
  }

  /** The session's own message with this id, as 'message_ack' hands it. */
  static ownMessage(serializedId: string): WebMessage {
    return incomingMessage({ from: "0@c.us", body: "", id: serializedId, fromMe: true });
  }
}

/** A message as whatsapp-web.js's 'message' event hands it. */
export function incomingMessage(m: {
  from: string;
  body: string;
  type?: string;
  pushname?: string;
  /** A linked id's number, as the contact card shows it. */
  number?: string;
  media?: WebMedia;
  id?: string;
  fromMe?: boolean;
  timestamp?: number;
}): WebMessage {
  const fromMe = m.fromMe ?? false;
  return {
    id: { _serialized: m.id ?? `false_${m.from}_3A${randomBytes(9).toString("hex").toUpperCase()}`, fromMe },
    from: m.from,
    body: m.body,
    type: m.type ?? (m.media ? "image" : "chat"),
    timestamp: m.timestamp ?? Math.floor(Date.now() / 1000),
    hasMedia: m.media !== undefined,
    isStatus: false,
    fromMe,
    downloadMedia: async () => m.media,
    getContact: async () => ({ pushname: m.pushname, number: m.number ?? m.from.split("@")[0] }),
  };
}
