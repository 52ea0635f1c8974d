import type WAWebJS from "whatsapp-web.js";
import type { WhatsAppWebClient } from "../contract.js";

/**
 * The compiler's proof that whatsapp-web.js's real Client is a WhatsAppWebClient: the gateway can
 * hand its running client to the sender as is, and the sender's tests drive a fake of exactly the
 * methods the real one has. If a library update changes them, this line stops compiling.
 */
export type RealClientFits = WAWebJS.Client extends WhatsAppWebClient ? true : never;
export const realClientFits: RealClientFits = true;
