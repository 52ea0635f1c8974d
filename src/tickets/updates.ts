import { eq } from "drizzle-orm";
import type { BlobStore } from "../blobs/store.js";
import type { Database, Tx } from "../db/client.js";
import { type CommentAuthorType, comments, type TicketRow, tickets } from "../db/schema/index.js";
import { type Actor, type EventType, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { newId } from "../ids.js";
import { maskCardNumbers } from "../privacy/cardNumbers.js";
import { reconcileTicketSla } from "../sla/service.js";
import { findTicket, type TicketRef, ticketCustomer } from "./queries.js";
import {
  type AcceptedFile,
  type AttachmentRecord,
  discardBlobs,
  insertAttachmentRows,
  putAttachmentBlobs,
  type StoredAttachment,
} from "./storeAttachments.js";
import { canTransition, isFinal, type TransitionActor } from "./transitions.js";
import { currentAssignee } from "./views.js";
import type { TicketStatus } from "./vocabulary.js";

export type UpdateContext = { tenantId: string; actor: Actor; by: TransitionActor };
export type UpdateDeps = {
  db: Database;
  blobs: BlobStore;
  now?: () => Date;
  /**
   * The caller's transaction, when the change is one part of a larger step (the conversation
   * router writes a customer's message, its conversation and the ticket change together).
   */
  within?: Tx | undefined;
};

export type UpdateFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "ticket_final"; status: TicketStatus }
  | { ok: false; reason: "invalid_transition"; from: TicketStatus; to: TicketStatus };

export type UpdateResult<T> = { ok: true; ticket: TicketRow; value: T } | UpdateFailure;

/** Locks the ticket for the transaction and refuses changes to tickets the caller may no longer change. */
async function withTicket<T>(
  deps: UpdateDeps,
  ctx: UpdateContext,
  ref: TicketRef,
  change: (tx: Tx, ticket: TicketRow, now: Date) => Promise<UpdateResult<T>>,
): Promise<UpdateResult<T>> {
  const now = deps.now?.() ?? new Date();
  const run = async (tx: Tx): Promise<UpdateResult<T>> => {
    const ticket = await findTicket(tx, ctx.tenantId, ref, true);
    if (!ticket) return { ok: false, reason: "not_found" } as const;
    if (isFinal(ctx.by, ticket.status))
      return { ok: false, reason: "ticket_final", status: ticket.status } as const;
    return change(tx, ticket, now);
  };
  return deps.within ? run(deps.within) : deps.db.transaction(run);
}

function ticketPayload(ticket: TicketRow) {
  return { ticketNumber: String(ticket.number), channelReferenceId: ticket.channelReferenceId };
}

type TicketEvent = { type: EventType; payload: Record<string, unknown> };

/**
 * Writes a change to the locked ticket row and the events that describe it, in the caller's
 * transaction: the one way this module changes a ticket. Every event carries the ticket's number
 * and channel reference, which the service desk's webhooks show.
 */
async function applyChange(
  tx: Tx,
  ctx: UpdateContext,
  ticket: TicketRow,
  now: Date,
  changes: Partial<TicketRow>,
  changeEvents: readonly TicketEvent[],
): Promise<TicketRow> {
  const [updated] = await tx
    .update(tickets)
    .set({ ...changes, updatedAt: now })
    .where(eq(tickets.id, ticket.id))
    .returning();
  if (!updated) throw new Error(`locked ticket ${ticket.id} vanished`);
  for (const event of changeEvents) {
    await recordEvent(tx, {
      tenantId: ctx.tenantId,
      type: event.type,
      subject: { type: "ticket", id: ticket.id },
      actor: ctx.actor,
      channel: ticket.channel,
      customerId: ticket.customerId,
      occurredAt: now,
      payload: { ...ticketPayload(ticket), ...event.payload },
    });
  }
  return updated;
}

export type NewComment = {
  content: string;
  /** Unset: the comment speaks for the ticket's customer (named so, or "Customer"). */
  authorName?: string | undefined;
  /** The tenant's user who writes it (the desk's agents); the name is theirs. */
  author?: Staff | undefined;
  authorType: CommentAuthorType;
  isFromSupport: boolean;
  isInternal?: boolean;
};

export type AddedComment = {
  id: string;
  content: string;
  author: string;
  authorUserId: string | null;
  timestamp: string;
  isInternal: boolean;
};

/**
 * Adds a comment. The first public reply from support meets the response SLA. Card numbers in
 * the text are masked before it is stored.
 */
export function addComment(
  deps: UpdateDeps,
  ctx: UpdateContext,
  ref: TicketRef,
  comment: NewComment,
): Promise<UpdateResult<AddedComment>> {
  return withTicket(deps, ctx, ref, async (tx, ticket, now) => {
    const id = newId("comment");
    const isInternal = comment.isInternal ?? false;
    const content = maskCardNumbers(comment.content);
    const authorName = maskCardNumbers(
      comment.author?.name ?? comment.authorName ?? (await ticketCustomer(tx, ticket))?.name ?? "Customer",
    );
    await tx.insert(comments).values({
      id,
      tenantId: ctx.tenantId,
      ticketId: ticket.id,
      content,
      authorName: authorName,
      authorUserId: comment.author?.id ?? null,
      authorType: comment.authorType,
      isFromSupport: comment.isFromSupport,
      isInternal,
      createdAt: now,
    });
    const firstResponse = comment.isFromSupport && !isInternal && !ticket.firstResponseAt;
    const updated = await applyChange(tx, ctx, ticket, now, firstResponse ? { firstResponseAt: now } : {}, [
      {
        type: eventTypes.commentAdded,
        payload: {
          commentId: id,
          author: authorName,
          isFromSupport: comment.isFromSupport,
          isInternal,
        },
      },
    ]);
    // The row is locked and just written: its SLA is reconciled from it, not read again.
    const current = firstResponse ? (await reconcileTicketSla(deps.db, tx, updated, now)).ticket : updated;
    return {
      ok: true,
      ticket: current,
      value: {
        id,
        content,
        author: authorName,
        authorUserId: comment.author?.id ?? null,
        timestamp: now.toISOString(),
        isInternal,
      },
    } as const;
  });
}

export type StatusChange = { oldStatus: TicketStatus; newStatus: TicketStatus };

/** Moves a ticket along the transition table; the same status again changes nothing and succeeds. */
export function changeStatus(
  deps: UpdateDeps,
  ctx: UpdateContext,
  ref: TicketRef,
  newStatus: TicketStatus,
): Promise<UpdateResult<StatusChange>> {
  return withTicket(deps, ctx, ref, async (tx, ticket, now) => {
    const oldStatus = ticket.status;
    if (oldStatus === newStatus) return { ok: true, ticket, value: { oldStatus, newStatus } } as const;
    if (!canTransition(ctx.by, oldStatus, newStatus)) {
      return { ok: false, reason: "invalid_transition", from: oldStatus, to: newStatus } as const;
    }
    const assignedTo = currentAssignee(ticket);
    const follows: TicketEvent[] = [
      ...(newStatus === "RESOLVED" ? [{ type: eventTypes.ticketResolved, payload: { assignedTo } }] : []),
      ...(newStatus === "CLOSED" ? [{ type: eventTypes.ticketClosed, payload: { assignedTo } }] : []),
    ];
    const updated = await applyChange(
      tx,
      ctx,
      ticket,
      now,
      {
        status: newStatus,
        ...(newStatus === "RESOLVED" ? { resolvedAt: now } : {}),
        ...(oldStatus === "RESOLVED" && newStatus !== "CLOSED" ? { resolvedAt: null } : {}),
        ...(newStatus === "CLOSED" || newStatus === "CANCELLED" ? { closedAt: now } : {}),
      },
      [{ type: eventTypes.statusChanged, payload: { oldStatus, newStatus, assignedTo } }, ...follows],
    );
    const refreshed = await reconcileTicketSla(deps.db, tx, updated, now);
    return { ok: true, ticket: refreshed.ticket, value: { oldStatus, newStatus } } as const;
  });
}

export async function addAttachments(
  deps: UpdateDeps,
  ctx: UpdateContext,
  ref: TicketRef,
  files: readonly AcceptedFile[],
): Promise<UpdateResult<StoredAttachment[]>> {
  const written: string[] = [];
  try {
    // Bytes first, outside the transaction, as at creation: writing megabytes must not hold the
    // ticket's lock and a connection. They are discarded again if the rows are not written.
    const records = await putAttachmentBlobs(deps.blobs, ctx.tenantId, files, written);
    const result = await addStoredAttachments(deps, ctx, ref, records);
    if (!result.ok) await discardBlobs(deps.blobs, written);
    return result;
  } catch (err) {
    await discardBlobs(deps.blobs, written);
    throw err;
  }
}

/** A user or team of the tenant, by id and name, as the desk names them (src/users). */
export type Staff = { id: string; name: string };
/** Attaches files whose bytes the caller already put in the blob store (see putAttachmentBlobs). */
export function addStoredAttachments(
  deps: UpdateDeps,
  ctx: UpdateContext,
  ref: TicketRef,
  records: readonly AttachmentRecord[],
): Promise<UpdateResult<StoredAttachment[]>> {
  return withTicket(deps, ctx, ref, async (tx, ticket, now) => {
    const stored = await insertAttachmentRows(
      tx,
      { tenantId: ctx.tenantId, ticketId: ticket.id },
      records,
      now,
    );
    const updated = await applyChange(tx, ctx, ticket, now, {}, [
      { type: eventTypes.attachmentAdded, payload: { attachmentIds: stored.map((a) => a.id) } },
    ]);
    return { ok: true, ticket: updated, value: stored } as const;
  });
}

/** Who works the ticket after an assignment: the agent and the team, each null when none. */
export type Assignment = {
  assignedTo: string | null;
  assignedTeam: string | null;
  assignedUserId: string | null;
  assignedTeamId: string | null;
};

/**
 * Assigns the ticket to one of the tenant's users and/or teams (agents only); null unassigns, and
 * what is not given stays. Partners see the names (currentAssignee), kept current when a user or
 * team is renamed (renameAssignee); the ids are what the desk filters and answers by.
 */
export function assignTicket(
  deps: UpdateDeps,
  ctx: UpdateContext,
  ref: TicketRef,
  assignment: { user?: Staff | null | undefined; team?: Staff | null | undefined },
): Promise<UpdateResult<Assignment>> {
  return withTicket(deps, ctx, ref, async (tx, ticket, now) => {
    const { user, team } = assignment;
    const next: Assignment = {
      assignedTo: user === undefined ? ticket.assignedTo : staffName(user),
      assignedUserId: user === undefined ? ticket.assignedUserId : (user?.id ?? null),
      assignedTeam: team === undefined ? ticket.assignedTeam : staffName(team),
      assignedTeamId: team === undefined ? ticket.assignedTeamId : (team?.id ?? null),
    };
    const updated = await applyChange(tx, ctx, ticket, now, next, [
      {
        type: eventTypes.ticketAssigned,
        payload: {
          ...next,
          previous: {
            assignedTo: ticket.assignedTo,
            assignedTeam: ticket.assignedTeam,
            assignedUserId: ticket.assignedUserId,
            assignedTeamId: ticket.assignedTeamId,
          },
        },
      },
    ]);
    return { ok: true, ticket: updated, value: next } as const;
  });
}

/** A user's or team's name as tickets keep it: free text like any other, masked before it is stored. */
function staffName(staff: Staff | null): string | null {
  return staff === null ? null : maskCardNumbers(staff.name);
}
