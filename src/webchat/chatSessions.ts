import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { customerSessions, type TenantLevel, webchatSessions } from "../db/schema/index.js";
import type { Actor } from "../events/catalog.js";
import { newId } from "../ids.js";
import type { CustomerDirectory } from "../inbound/identity/port.js";
import { storableIdentifier, storableText } from "../inbound/storable.js";
import { levelAllowsChannel } from "../sct07/levels.js";
import { closeSession, openSession, type ResumeFailure, type SessionCtx } from "../sessions/service.js";
import { tenantProfile } from "../tenants/profile.js";
import { sessionTokenPrefix } from "./frames.js";

/**
 * A customer's web chat as an SCT07 session on the CHAT channel: the thread their messages go to,
 * and who they said they were. Starting, resuming and handing off go through SCT07's session
 * service, so the session, its handoffs and its events are the ones the SCT07 API shows.
 */
export type ChatSession = {
  sessionId: string;
  tenantId: string;
  customerId: string;
  threadRef: string;
  senderAddress: string;
  senderName: string;
};

export type ChatDeps = { db: Database; customers: CustomerDirectory; handoffTokenTtlMs: number };

/** SCT07's session channel of web chat. */
export const chatChannel = "CHAT";

export const customerActor = (customerId?: string): Actor => ({ type: "customer", id: customerId });
const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

export async function ctxOf(db: Database, tenantId: string, actor: Actor): Promise<SessionCtx> {
  const { level } = await tenantProfile(db, tenantId);
  return { tenantId, actor, level };
}

/** Gives a session its web chat side and the token the widget keeps (256 random bits; only its hash is stored). */
export async function attach(tx: Tx, session: Omit<ChatSession, "customerId">): Promise<string> {
  const token = `${sessionTokenPrefix}${randomBytes(32).toString("base64url")}`;
  await tx.insert(webchatSessions).values({ ...session, tokenHash: tokenHash(token) });
  return token;
}

export type StartResult =
  | { ok: true; session: ChatSession; token: string }
  | { ok: false; reason: "level"; level: TenantLevel };

/**
 * A new chat: the customer the e-mail or phone number names (through the customers module's one
 * matching rule; unknown, a new customer with that identity), a session on CHAT, a new thread.
 * One transaction, with the customer's and the session's events.
 */
export async function startChat(
  deps: ChatDeps,
  tenantId: string,
  who: {
    name: string;
    email?: string | undefined;
    phone?: string | undefined;
    deviceId?: string | undefined;
  },
): Promise<StartResult> {
  const { level } = await tenantProfile(deps.db, tenantId);
  if (!levelAllowsChannel(level, chatChannel)) return { ok: false, reason: "level", level };
  const senderAddress = storableIdentifier(who.email ?? who.phone ?? "");
  const senderName = storableText(who.name);
  const threadRef = newId("webchatThread");
  const now = new Date();
  return deps.db.transaction(async (tx) => {
    const customer = await deps.customers.resolve(
      tx,
      tenantId,
      { channel: "webchat", address: senderAddress, displayName: senderName },
      now,
    );
    const opened = await openChatSession(
      tx,
      { tenantId, actor: customerActor(customer.customerId), level, now },
      {
        customerId: customer.customerId,
        deviceId: who.deviceId,
        threadRef,
      },
    );
    const session = { sessionId: opened, tenantId, threadRef, senderAddress, senderName };
    const token = await attach(tx, session);
    return { ok: true, token, session: { ...session, customerId: customer.customerId } } as const;
  });
}

async function openChatSession(
  tx: Tx,
  ctx: SessionCtx,
  input: { customerId: string; deviceId: string | undefined; threadRef: string },
): Promise<string> {
  const opened = await openSession(tx, ctx, {
    customerId: input.customerId,
    channel: chatChannel,
    deviceId: input.deviceId,
    context: { webchat_thread: input.threadRef },
  });
  // The level was checked and the customer resolved in this transaction: neither refusal can happen.
  if (!opened.ok) throw new Error(`web chat session not opened: ${opened.reason}`);
  return opened.session.id;
}

export type ResumeResult =
  | { ok: true; session: ChatSession; token: string }
  | { ok: false; reason: "unknown_session" | "session_closed" | "no_contact" }
  | { ok: false; reason: "handoff_refused"; refusal: ResumeFailure | "level_handoff" | "level_channel" };

/** After a reload: the session the widget's token names, while it is open. */
export async function resumeWithToken(db: Database, tenantId: string, token: string): Promise<ResumeResult> {
  const [row] = await db
    .select({
      chat: webchatSessions,
      customerId: customerSessions.customerId,
      status: customerSessions.status,
    })
    .from(webchatSessions)
    .innerJoin(customerSessions, eq(customerSessions.id, webchatSessions.sessionId))
    .where(eq(webchatSessions.tokenHash, tokenHash(token)));
  if (!row || row.chat.tenantId !== tenantId) return { ok: false, reason: "unknown_session" };
  if (row.status !== "active") return { ok: false, reason: "session_closed" };
  const { sessionId, threadRef, senderAddress, senderName } = row.chat;
  return {
    ok: true,
    session: { sessionId, tenantId, customerId: row.customerId, threadRef, senderAddress, senderName },
    token,
  };
}

/** The customer ended the chat: the session closes, and its token resumes nothing. */
export async function endChat(db: Database, chat: ChatSession): Promise<void> {
  await closeSession(db, await ctxOf(db, chat.tenantId, customerActor(chat.customerId)), chat.sessionId);
}
