import { createHash, randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { liveCustomer } from "../customers/contactPoints.js";
import type { Database } from "../db/client.js";
import {
  type CustomerSessionRow,
  customerSessions,
  sessionHandoffs,
  type TenantLevel,
} from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { newId } from "../ids.js";
import { maskCardNumbersDeep } from "../privacy/cardNumbers.js";
import { levelAllowsChannel, levelAllowsHandoff, type SessionChannel } from "../sct07/levels.js";

export type SessionCtx = { tenantId: string; actor: Actor; level: TenantLevel; now?: Date };

type LevelRefusal =
  | { ok: false; reason: "level_channel"; channel: SessionChannel }
  | { ok: false; reason: "level_handoff" };

export type OpenResult =
  | { ok: true; session: CustomerSessionRow }
  | LevelRefusal
  | { ok: false; reason: "customer_not_found" };

export async function openSession(
  db: Database,
  ctx: SessionCtx,
  input: {
    customerId: string;
    channel: SessionChannel;
    deviceId?: string | undefined;
    context?: Record<string, unknown> | undefined;
  },
): Promise<OpenResult> {
  if (!levelAllowsChannel(ctx.level, input.channel))
    return { ok: false, reason: "level_channel", channel: input.channel };
  return db.transaction(async (tx) => {
    const customer = await liveCustomer(tx, ctx.tenantId, input.customerId);
    if (!customer) return { ok: false, reason: "customer_not_found" } as const;
    const now = ctx.now ?? new Date();
    const [session] = await tx
      .insert(customerSessions)
      .values({
        id: newId("session"),
        tenantId: ctx.tenantId,
        customerId: customer.id,
        channel: input.channel,
        deviceId: input.deviceId ?? null,
        context: maskCardNumbersDeep(input.context ?? {}),
        startedAt: now,
        lastActiveAt: now,
      })
      .returning();
    if (!session) throw new Error("session not inserted");
    await recordEvent(tx, {
      tenantId: ctx.tenantId,
      type: eventTypes.sessionStarted,
      subject: { type: "session", id: session.id },
      customerId: customer.id,
      channel: input.channel,
      actor: ctx.actor,
      payload: { sessionId: session.id },
      occurredAt: now,
    });
    return { ok: true, session } as const;
  });
}

export async function getSession(db: Database, tenantId: string, sessionId: string) {
  const [session] = await db
    .select()
    .from(customerSessions)
    .where(and(eq(customerSessions.tenantId, tenantId), eq(customerSessions.id, sessionId)));
  return session;
}

export type CloseResult =
  | { ok: true; session: CustomerSessionRow }
  | { ok: false; reason: "not_found" | "closed" };

export async function closeSession(db: Database, ctx: SessionCtx, sessionId: string): Promise<CloseResult> {
  return db.transaction(async (tx) => {
    const [session] = await tx
      .select()
      .from(customerSessions)
      .where(and(eq(customerSessions.tenantId, ctx.tenantId), eq(customerSessions.id, sessionId)))
      .for("update");
    if (!session) return { ok: false, reason: "not_found" } as const;
    if (session.status === "closed") return { ok: false, reason: "closed" } as const;
    const now = ctx.now ?? new Date();
    const [closed] = await tx
      .update(customerSessions)
      .set({ status: "closed", closedAt: now, closedReason: "closed", lastActiveAt: now })
      .where(eq(customerSessions.id, sessionId))
      .returning();
    if (!closed) return { ok: false, reason: "not_found" } as const;
    await recordEvent(tx, {
      tenantId: ctx.tenantId,
      type: eventTypes.sessionClosed,
      subject: { type: "session", id: sessionId },
      customerId: session.customerId,
      channel: session.channel,
      actor: ctx.actor,
      payload: { sessionId },
      occurredAt: now,
    });
    return { ok: true, session: closed } as const;
  });
}

/** A handoff token as stored: its SHA-256, never the token. */
export function handoffTokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export type HandoffResult =
  | {
      ok: true;
      token: string;
      expiresAt: Date;
      targetChannel: SessionChannel;
      context: Record<string, unknown>;
    }
  | LevelRefusal
  | { ok: false; reason: "source_not_found" | "source_closed" };

/**
 * A handoff of an active session to another channel: a random single-use token (256 bits), bound
 * to the customer, the source session and the target channel, valid for ttlMs. Only its hash is
 * stored, so a database read never yields a usable token.
 */
export async function createHandoff(
  db: Database,
  ctx: SessionCtx,
  input: {
    sourceSessionId: string;
    targetChannel: SessionChannel;
    context?: Record<string, unknown> | undefined;
  },
  ttlMs: number,
): Promise<HandoffResult> {
  if (!levelAllowsHandoff(ctx.level)) return { ok: false, reason: "level_handoff" };
  if (!levelAllowsChannel(ctx.level, input.targetChannel))
    return { ok: false, reason: "level_channel", channel: input.targetChannel };
  return db.transaction(async (tx) => {
    const [source] = await tx
      .select()
      .from(customerSessions)
      .where(and(eq(customerSessions.tenantId, ctx.tenantId), eq(customerSessions.id, input.sourceSessionId)))
      .for("update");
    if (!source) return { ok: false, reason: "source_not_found" } as const;
    if (source.status !== "active") return { ok: false, reason: "source_closed" } as const;
    const now = ctx.now ?? new Date();
    const token = `ho_${randomBytes(32).toString("base64url")}`;
    const expiresAt = new Date(now.getTime() + ttlMs);
    const context = maskCardNumbersDeep(input.context ?? source.context);
    const id = newId("handoff");
    await tx.insert(sessionHandoffs).values({
      id,
      tenantId: ctx.tenantId,
      tokenHash: handoffTokenHash(token),
      customerId: source.customerId,
      sourceSessionId: source.id,
      targetChannel: input.targetChannel,
      context,
      expiresAt,
      createdAt: now,
    });
    await tx.update(customerSessions).set({ lastActiveAt: now }).where(eq(customerSessions.id, source.id));
    await recordEvent(tx, {
      tenantId: ctx.tenantId,
      type: eventTypes.sessionHandoffRequested,
      subject: { type: "session", id: source.id },
      customerId: source.customerId,
      channel: source.channel,
      actor: ctx.actor,
      payload: { handoffId: id, sourceSessionId: source.id, targetChannel: input.targetChannel },
      occurredAt: now,
    });
    return { ok: true, token, expiresAt, targetChannel: input.targetChannel, context } as const;
  });
}

export type ResumeFailure = "unknown_token" | "other_tenant" | "used" | "expired" | "wrong_channel";

export type ResumeResult =
  | { ok: true; session: CustomerSessionRow }
  | LevelRefusal
  | { ok: false; reason: ResumeFailure; expected?: string };

/**
 * Opens the session a handoff token promised, on its target channel, with the preserved context;
 * the source session closes as handed off. The handoff row is locked, so of concurrent resumes of
 * one token exactly one succeeds; the others then see it used. A refused resume changes nothing.
 */
export async function resumeSession(
  db: Database,
  ctx: SessionCtx,
  input: { token: string; channel: SessionChannel; deviceId?: string | undefined },
): Promise<ResumeResult> {
  if (!levelAllowsHandoff(ctx.level)) return { ok: false, reason: "level_handoff" };
  return db.transaction(async (tx) => {
    // Looked up across tenants on purpose: another tenant's token gets its own answer, not "unknown".
    const [handoff] = await tx
      .select()
      .from(sessionHandoffs)
      .where(eq(sessionHandoffs.tokenHash, handoffTokenHash(input.token)))
      .for("update");
    const now = ctx.now ?? new Date();
    if (!handoff) return { ok: false, reason: "unknown_token" } as const;
    if (handoff.tenantId !== ctx.tenantId) return { ok: false, reason: "other_tenant" } as const;
    if (handoff.resumedAt) return { ok: false, reason: "used" } as const;
    if (handoff.expiresAt <= now) return { ok: false, reason: "expired" } as const;
    if (handoff.targetChannel !== input.channel)
      return { ok: false, reason: "wrong_channel", expected: handoff.targetChannel } as const;
    const [session] = await tx
      .insert(customerSessions)
      .values({
        id: newId("session"),
        tenantId: ctx.tenantId,
        customerId: handoff.customerId,
        channel: input.channel,
        deviceId: input.deviceId ?? null,
        context: handoff.context,
        resumedFrom: handoff.id,
        startedAt: now,
        lastActiveAt: now,
      })
      .returning();
    if (!session) throw new Error("session not inserted");
    await tx
      .update(sessionHandoffs)
      .set({ resumedAt: now, resumedSessionId: session.id })
      .where(eq(sessionHandoffs.id, handoff.id));
    await tx
      .update(customerSessions)
      .set({ status: "closed", closedAt: now, closedReason: "handed_off" })
      .where(and(eq(customerSessions.id, handoff.sourceSessionId), eq(customerSessions.status, "active")));
    await recordEvent(tx, {
      tenantId: ctx.tenantId,
      type: eventTypes.sessionHandoffCompleted,
      subject: { type: "session", id: session.id },
      customerId: handoff.customerId,
      channel: input.channel,
      actor: ctx.actor,
      payload: { handoffId: handoff.id, sourceSessionId: handoff.sourceSessionId, sessionId: session.id },
      occurredAt: now,
    });
    return { ok: true, session } as const;
  });
}
