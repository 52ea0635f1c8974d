import type { ContentFor } from "../../connectors/contract.js";
import { insideServiceWindow, outsideServiceWindow } from "../../connectors/whatsapp/serviceWindow.js";
import { normalizePhone } from "../customers/addresses.js";
import type { Database } from "../db/client.js";
import { lastMessageOnThread } from "../inbound/lastCustomerMessage.js";
import type { WhatsAppTemplate } from "./content.js";

/**
 * What a notification may send a WhatsApp Cloud API customer: free text within 24 hours of their
 * last message to the bank's number, else the bank's approved template (the variant's `template`),
 * else nothing: the Cloud API would refuse free text (error 131047), so the delivery fails saying
 * why, and a tenant's fallback (whatsapp → sms) takes over. whatsapp-web.js sessions are not held
 * to the window.
 */
export async function whatsappContentFor(
  db: Database,
  tenantId: string,
  address: string,
  text: ContentFor<"whatsapp">,
  approvedTemplate: WhatsAppTemplate | undefined,
  now = new Date(),
): Promise<{ ok: true; content: ContentFor<"whatsapp"> } | { ok: false; reason: string }> {
  const last = await lastMessageOnThread(db, tenantId, "whatsapp", normalizePhone(address));
  if (insideServiceWindow(last, now)) return { ok: true, content: text };
  if (approvedTemplate) return { ok: true, content: approvedTemplate };
  return { ok: false, reason: `${outsideServiceWindow}, and the template's whatsapp variant names none` };
}
