import { eq } from "drizzle-orm";
import { contactPointsOf } from "../customers/contactPoints.js";
import type { Database, Tx } from "../db/client.js";
import { sessionHandoffs, webchatSessions } from "../db/schema/index.js";
import { newId } from "../ids.js";
import { createHandoff, resumeSession } from "../sessions/service.js";
import {
  attach,
  type ChatDeps,
  type ChatSession,
  chatChannel,
  ctxOf,
  customerActor,
  type ResumeResult,
} from "./chatSessions.js";

/**
 * A chat carried to another device through SCT07's session handoff: the token comes from
 * `POST /api/v1/sessions/handoff` (or the widget's own request, handOff below), and is resumed here.
 */

/** Raised inside the resume's transaction to undo it: the customer has no address to chat under. */
class NoContact extends Error {}

/**
 * On another device: SCT07's resume of a handoff token for CHAT opens the new session (and closes
 * the source, handed off). It continues the source's thread when the source was a web chat; a
 * customer handed off from another channel (the mobile app) starts a thread under their e-mail or
 * phone number. A new token for this device.
 */
export async function resumeWithHandoff(
  db: Database,
  tenantId: string,
  input: { handoffToken: string; deviceId?: string | undefined },
): Promise<ResumeResult> {
  const ctx = await ctxOf(db, tenantId, customerActor());
  try {
    return await db.transaction(async (tx): Promise<ResumeResult> => {
      const resumed = await resumeSession(tx, ctx, {
        token: input.handoffToken,
        channel: chatChannel,
        deviceId: input.deviceId,
      });
      if (!resumed.ok) return { ok: false, reason: "handoff_refused", refusal: resumed.reason };
      const { id: sessionId, customerId, resumedFrom } = resumed.session;
      const thread = await threadOf(tx, tenantId, customerId, resumedFrom);
      const session = { sessionId, tenantId, ...thread };
      const token = await attach(tx, session);
      return { ok: true, token, session: { ...session, customerId } };
    });
  } catch (err) {
    if (err instanceof NoContact) return { ok: false, reason: "no_contact" };
    throw err;
  }
}

async function threadOf(tx: Tx, tenantId: string, customerId: string, handoffId: string | null) {
  const [source] = handoffId
    ? await tx
        .select({
          threadRef: webchatSessions.threadRef,
          address: webchatSessions.senderAddress,
          name: webchatSessions.senderName,
        })
        .from(sessionHandoffs)
        .innerJoin(webchatSessions, eq(webchatSessions.sessionId, sessionHandoffs.sourceSessionId))
        .where(eq(sessionHandoffs.id, handoffId))
    : [];
  if (source) return { threadRef: source.threadRef, senderAddress: source.address, senderName: source.name };
  const contact = await contactPointsOf(tx, tenantId, customerId);
  const address = contact?.addresses.EMAIL ?? contact?.addresses.SMS;
  if (!contact || !address) throw new NoContact();
  return { threadRef: newId("webchatThread"), senderAddress: address, senderName: contact.name };
}

export type HandoffResult =
  | { ok: true; token: string; expiresAt: Date }
  | { ok: false; reason: "level_handoff" | "level_channel" | "source_not_found" | "source_closed" };

/** A handoff token for this chat's session to CHAT on another device: SCT07's handoff, as the API's. */
export async function handOff(deps: ChatDeps, chat: ChatSession): Promise<HandoffResult> {
  const ctx = await ctxOf(deps.db, chat.tenantId, customerActor(chat.customerId));
  const result = await createHandoff(
    deps.db,
    ctx,
    { sourceSessionId: chat.sessionId, targetChannel: chatChannel },
    deps.handoffTokenTtlMs,
  );
  return result.ok ? { ok: true, token: result.token, expiresAt: result.expiresAt } : result;
}
