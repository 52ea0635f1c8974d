import { EventEmitter } from "node:events";
import type { WhatsAppWebClient } from "../../../connectors/contract.js";

/**
 * A stand-in for whatsapp-web.js's Client with the methods the sender uses and the events the
 * gateway listens to (qr, authenticated, ready, message, message_ack, disconnected). The real
 * Client satisfies WhatsAppWebClient (connectors/whatsapp/webClientFits.ts proves it).
 */
export class FakeWhatsAppWebClient extends EventEmitter implements WhatsAppWebClient {
  readonly sent: Array<{ chatId: string; content: string }> = [];
  /** Digits of numbers that are on WhatsApp. */
  readonly registered = new Set<string>();
  /** Set to make the next calls fail as a closing browser page does. */
  brokenWith: Error | undefined;
  #next = 1;

  async getNumberId(number: string): Promise<{ server: string; user: string; _serialized: string } | null> {
    if (this.brokenWith) throw this.brokenWith;
    return this.registered.has(number)
      ? { server: "c.us", user: number, _serialized: `${number}@c.us` }
      : null;
  }

  async sendMessage(chatId: string, content: string) {
    if (this.brokenWith) throw this.brokenWith;
    this.sent.push({ chatId, content });
    const id = `3EB0${(this.#next++).toString(16).padStart(16, "0").toUpperCase()}`;
    return { id: { fromMe: true, remote: chatId, id, _serialized: `true_${chatId}_${id}` } };
  }
}
