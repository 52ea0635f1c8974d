import { createHash, randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { liveCustomer } from "../customers/contactPoints.js";
import type { Database, Tx } from "../db/client.js";
import { type CustomerSessionRow, customerSessions, type TenantLevel } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { eventInsertValues, recordEvent } from "../events/writer.js";
import { newId } from "../ids.js";
import { maskCardNumbersDeep } from "../privacy/cardNumbers.js";
import { levelAllowsChannel, levelAllowsHandoff, type SessionChannel } from "../sct07/levels.js";
import { handoffStatement, resumeStatement } from "./handoffStatements.js";

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
  db: Database | Tx,
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
  const now = ctx.now ?? new Date();
  const token = `ho_${randomBytes(32).toString("base64url")}`;
  const expiresAt = new Date(now.getTime() + ttlMs);
  const id = newId("handoff");
  const [row] = await handoffStatement<{ status: string; context: Record<string, unknown> | null }>(db, {
    h: {
      id,
      tenant: ctx.tenantId,
      source: input.sourceSessionId,
      hash: handoffTokenHash(token),
      target: input.targetChannel,
      // Without a context of its own the handoff carries the source's, masked when it was stored.
      context: input.context === undefined ? null : JSON.stringify(maskCardNumbersDeep(input.context)),
      expires: expiresAt.toISOString(),
      at: now.toISOString(),
    },
    he: eventInsertValues({
      tenantId: ctx.tenantId,
      type: eventTypes.sessionHandoffRequested,
      subjectType: "session",
      actor: ctx.actor,
      payload: { handoffId: id, sourceSessionId: input.sourceSessionId, targetChannel: input.targetChannel },
      occurredAt: now,
    }),
  });
  if (!row) return { ok: false, reason: "source_not_found" };
  if (!row.context) return { ok: false, reason: "source_closed" };
  return { ok: true, token, expiresAt, targetChannel: input.targetChannel, context: row.context };
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
  db: Database | Tx,
  ctx: SessionCtx,
  input: { token: string; channel: SessionChannel; deviceId?: string | undefined },
): Promise<ResumeResult> {
  if (!levelAllowsHandoff(ctx.level)) return { ok: false, reason: "level_handoff" };
  const now = ctx.now ?? new Date();
  const sessionId = newId("session");
  const [row] = await resumeStatement<ResumeRow>(db, {
    r: {
      hash: handoffTokenHash(input.token),
      tenant: ctx.tenantId,
      channel: input.channel,
      session: sessionId,
      device: input.deviceId ?? null,
      at: now.toISOString(),
    },
    re: eventInsertValues({
      tenantId: ctx.tenantId,
      type: eventTypes.sessionHandoffCompleted,
      subjectType: "session",
      actor: ctx.actor,
      channel: input.channel,
      payload: { sessionId },
      occurredAt: now,
    }),
  });
  if (!row) return { ok: false, reason: "unknown_token" };
  if (row.session_id === null) {
    // Written nothing: say why, in the order a person would check.
    if (row.tenant_id !== ctx.tenantId) return { ok: false, reason: "other_tenant" };
    if (row.used) return { ok: false, reason: "used" };
    if (new Date(row.expires_at) <= now) return { ok: false, reason: "expired" };
    return { ok: false, reason: "wrong_channel", expected: row.target_channel };
  }
  return { ok: true, session: resumedSession(row.session_id, row, ctx.tenantId) };
}

/** What the resume statement answers for an existing token; the session's columns are null when nothing was written. */
type ResumeRow = {
  tenant_id: string;
  used: boolean;
  expires_at: Date | string;
  target_channel: string;
  session_id: string | null;
  customer_id: string;
  channel: string;
  device_id: string | null;
  status: CustomerSessionRow["status"];
  context: Record<string, unknown>;
  resumed_from: string | null;
  started_at: Date | string;
  last_active_at: Date | string;
  closed_at: Date | string | null;
  closed_reason: string | null;
};

function resumedSession(id: string, row: ResumeRow, tenantId: string): CustomerSessionRow {
  return {
    id,
    tenantId,
    customerId: row.customer_id,
    channel: row.channel,
    deviceId: row.device_id,
    status: row.status,
    context: row.context,
    resumedFrom: row.resumed_from,
    startedAt: new Date(row.started_at),
    lastActiveAt: new Date(row.last_active_at),
    closedAt: row.closed_at === null ? null : new Date(row.closed_at),
    closedReason: row.closed_reason,
  };
}
