import type WAWebJS from "whatsapp-web.js";
import type { WhatsAppWebClient } from "../contract.js";
import type { WebMessage, WhatsAppWebSession } from "./webClient.js";

/**
 * The compiler's proof that whatsapp-web.js's real Client is a WhatsAppWebClient (what senders use)
 * and a WhatsAppWebSession (what the gateway drives), and that its Message is what the gateway
 * reads: the gateway can hand its running client to the sender as is, and tests drive a fake of
 * exactly the members the real one has. If a library update changes them, these lines stop compiling.
 */
export type RealClientFits = WAWebJS.Client extends WhatsAppWebClient ? true : never;
export const realClientFits: RealClientFits = true;
export type RealSessionFits = WAWebJS.Client extends WhatsAppWebSession ? true : never;
export const realSessionFits: RealSessionFits = true;
export type RealMessageFits = WAWebJS.Message extends WebMessage ? true : never;
export const realMessageFits: RealMessageFits = true;
