import type { WhatsAppWebClient } from "../contract.js";
import type { WebMedia } from "./webMedia.js";

/**
 * A message as whatsapp-web.js's 'message' and 'message_ack' events hand it (the real Message has
 * these members; webClientFits.ts proves it). For a media message `body` is the caption.
 */
export interface WebMessage {
  id: { _serialized: string; fromMe: boolean };
  /** The chat it came from: `<digits>@c.us` for a person, `<id>@lid` for a linked id, `@g.us` a group. */
  from: string;
  body: string;
  /** whatsapp-web.js's MessageTypes: chat, image, document, audio, ptt, video, sticker, ... */
  type: string;
  /** Unix seconds. */
  timestamp: number;
  hasMedia: boolean;
  isStatus: boolean;
  fromMe: boolean;
  downloadMedia(): Promise<WebMedia | undefined>;
  getContact(): Promise<{ pushname?: string | undefined; number?: string | undefined }>;
}

/**
 * The part of whatsapp-web.js's Client the gateway drives: start, stop, and the events of a session
 * (qr, authenticated, ready, auth_failure, disconnected, message, message_ack). Tests drive a fake
 * EventEmitter through exactly this; the real Client satisfies it (webClientFits.ts).
 */
export interface WhatsAppWebSession extends WhatsAppWebClient {
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  on(event: "qr", listener: (qr: string) => void): this;
  on(event: "authenticated" | "ready", listener: () => void): this;
  on(event: "auth_failure" | "disconnected", listener: (reason: string) => void): this;
  on(event: "message", listener: (message: WebMessage) => void): this;
  on(event: "message_ack", listener: (message: WebMessage, ack: number) => void): this;
  removeAllListeners(): this;
}
