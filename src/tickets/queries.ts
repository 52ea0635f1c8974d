import { and, asc, desc, eq, getTableColumns } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { beyond, exactAt, type KeysetPosition } from "../db/keyset.js";
import {
  attachments,
  type CommentRow,
  claims,
  comments,
  customers,
  type TicketRow,
  tickets,
} from "../db/schema/index.js";

type Reader = Database | Tx;

/** How a partner names a ticket: its number, the channel's reference, or either (path parameter). */
export type TicketRef =
  | { ticketNumber: string }
  | { channelReferenceId: string }
  | { numberOrReference: string };

const maxTicketNumber = Number.MAX_SAFE_INTEGER;

function asNumber(value: string): number | undefined {
  if (!/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= maxTicketNumber ? n : undefined;
}

async function byNumber(db: Reader, tenantId: string, value: string, lock: boolean) {
  const number = asNumber(value);
  if (number === undefined) return undefined;
  const query = db
    .select()
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), eq(tickets.number, number)));
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

async function byReference(db: Reader, tenantId: string, reference: string, lock: boolean) {
  // A channel reference names one conversation; if a partner reused it, the newest ticket wins.
  const query = db
    .select()
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), eq(tickets.channelReferenceId, reference)))
    .orderBy(desc(tickets.createdAt))
    .limit(1);
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

/** The tenant's ticket the reference names; `lock` takes the row lock for an update in `db` (a transaction). */
export async function findTicket(
  db: Reader,
  tenantId: string,
  ref: TicketRef,
  lock = false,
): Promise<TicketRow | undefined> {
  if ("ticketNumber" in ref) return byNumber(db, tenantId, ref.ticketNumber, lock);
  if ("channelReferenceId" in ref) return byReference(db, tenantId, ref.channelReferenceId, lock);
  return (
    (await byNumber(db, tenantId, ref.numberOrReference, lock)) ??
    (await byReference(db, tenantId, ref.numberOrReference, lock))
  );
}

/** Where a page of comments stops: the oldest comment's created_at, exact to the microsecond, and id. */
const commentPosition = exactAt(comments.createdAt);

/**
 * A page of a ticket's comments: the newest `limit` of them (before `before`, a position an earlier
 * page gave), shown oldest first, and the position to ask for the ones before them when there are
 * more. A ticket with thousands of comments costs what its page costs (ticket_comments_ticket_idx,
 * read in order). `audience` "public" leaves out agents' internal notes: that is every view a
 * partner or customer gets; "desk" includes them.
 */
export async function ticketComments(
  db: Reader,
  ticket: Pick<TicketRow, "id" | "tenantId">,
  audience: "public" | "desk",
  window: { limit: number; before?: KeysetPosition | undefined },
): Promise<{ comments: CommentRow[]; next: KeysetPosition | undefined }> {
  const rows = await db
    .select({ ...getTableColumns(comments), position: commentPosition })
    .from(comments)
    .where(
      and(
        eq(comments.tenantId, ticket.tenantId),
        eq(comments.ticketId, ticket.id),
        audience === "public" ? eq(comments.isInternal, false) : undefined,
        window.before ? beyond(comments.createdAt, comments.id, "<", window.before) : undefined,
      ),
    )
    .orderBy(desc(comments.createdAt), desc(comments.id))
    .limit(window.limit + 1);
  const page = rows.slice(0, window.limit);
  const oldest = page.at(-1);
  return {
    comments: page.reverse().map(({ position: _position, ...comment }) => comment),
    next: rows.length > window.limit && oldest ? { at: oldest.position, id: oldest.id } : undefined,
  };
}

export async function ticketAttachments(db: Reader, ticket: Pick<TicketRow, "id" | "tenantId">) {
  return db
    .select()
    .from(attachments)
    .where(and(eq(attachments.tenantId, ticket.tenantId), eq(attachments.ticketId, ticket.id)))
    .orderBy(asc(attachments.uploadedAt), asc(attachments.id));
}

export async function findAttachment(db: Reader, tenantId: string, ticketId: string, attachmentId: string) {
  const [row] = await db
    .select()
    .from(attachments)
    .where(
      and(
        eq(attachments.tenantId, tenantId),
        eq(attachments.ticketId, ticketId),
        eq(attachments.id, attachmentId),
      ),
    );
  return row;
}

/** The structured KLAIM-OMNI fields of a ticket; undefined unless it was created as a claim. */
export async function findClaim(db: Reader, ticket: Pick<TicketRow, "id" | "tenantId">) {
  const [row] = await db
    .select()
    .from(claims)
    .where(and(eq(claims.tenantId, ticket.tenantId), eq(claims.ticketId, ticket.id)));
  return row;
}

export async function ticketCustomer(db: Reader, ticket: Pick<TicketRow, "customerId" | "tenantId">) {
  const [row] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.tenantId, ticket.tenantId), eq(customers.id, ticket.customerId)));
  return row;
}

/** The tenant's ticket with this id; `lock` takes the row lock for an update in `db` (a transaction). */
export async function findTicketById(
  db: Reader,
  tenantId: string,
  ticketId: string,
  lock = false,
): Promise<TicketRow | undefined> {
  const query = db
    .select()
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), eq(tickets.id, ticketId)));
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

/** One comment of the tenant's ticket. */
export async function findComment(db: Reader, tenantId: string, commentId: string) {
  const [row] = await db
    .select()
    .from(comments)
    .where(and(eq(comments.tenantId, tenantId), eq(comments.id, commentId)));
  return row;
}
