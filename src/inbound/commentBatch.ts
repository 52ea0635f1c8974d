import { sql } from "drizzle-orm";
import { type BatchLaneLimits, batchLane } from "../db/batchLane.js";
import { checkedOnRow, statusAmong } from "../db/checkedOnRow.js";
import { rowsOf, type Tx } from "../db/client.js";
import { eventTypes } from "../events/catalog.js";
import { newId } from "../ids.js";
import { maskCardNumbers } from "../privacy/cardNumbers.js";
import { tenantProfile } from "../tenants/profile.js";
import type { TicketStatus } from "../tickets/vocabulary.js";
import type { RouterDeps } from "./deps.js";
import { contactIdentity } from "./identity/customerIdentities.js";
import type { InboundChannel } from "./message.js";
import { messageText } from "./routeStep.js";
import { threadDecision } from "./threading.js";

/**
 * Most waiting messages of one thread a batch takes: the oldest, up to the job's own. The new-thread
 * lane (ticketBatch.ts) takes as many: its followers become this lane's comments.
 */
export const perThread = 20;

/** Whether a message (`m`) is plain: no files and no thread references, so nothing to fetch and no earlier ticket to look for. */
export const plainMessage = sql.raw("(m.thread_hints IS NULL AND m.attachments = '[]'::jsonb)");

/**
 * A message still waiting for the router, for lookups by id: checked on the rows found, not through
 * the waiting index whose predicate `status = 'received'` is (src/db/checkedOnRow.ts).
 */
const waitingStatus = statusAmong(sql.raw("status"), ["received"]);

/** The messages among these ids that still wait for the router. */
export const waitingAmong = (ids: readonly string[]) =>
  sql`id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) AND ${waitingStatus}`;

/**
 * The messages of a batch that can be plain comments, locked: for each job's message, its thread's
 * waiting messages up to it, oldest first (a customer who wrote several times while the router was
 * busy is answered in one batch, in order), on a conversation with no claim dialogue and a ticket;
 * each says whether it has files or thread references, and comes with what deciding needs (the
 * ticket, the conversation's customer and the identities they hold). Each message's conversation,
 * the message and its ticket are locked in the single router's order, threads in one order, so
 * that every check reads rows nobody else is changing. Each lock is a lookup of its own (a LATERAL
 * with FOR UPDATE is planned apart, by its unique key): joined freely, a planner misled by stale
 * statistics once scanned the conversations for every message, seconds a batch. Sent unnamed, so
 * planned for its values each time.
 */
export const lockCandidates = (ids: readonly string[]) => sql`WITH job AS MATERIALIZED (
      SELECT id, tenant_id, channel, thread_ref, created_at FROM inbound_messages
      WHERE ${waitingAmong(ids)}
    ),
    batch AS MATERIALIZED (
      SELECT DISTINCT w.id, w.tenant_id, w.channel, w.thread_ref, w.created_at FROM job j
      CROSS JOIN LATERAL (
        SELECT id, tenant_id, channel, thread_ref, created_at FROM inbound_messages o
        WHERE o.tenant_id = j.tenant_id AND o.channel = j.channel AND o.thread_ref = j.thread_ref
          AND o.status = 'received' AND (o.created_at, o.id) <= (j.created_at, j.id)
        ORDER BY o.created_at, o.id
        LIMIT ${perThread}
      ) w
    )
    SELECT m.id, m.tenant_id, m.channel, m.sender_address, m.text, ${plainMessage} AS plain,
      c.id AS conversation_id, c.address AS conversation_address, c.customer_id,
      t.id AS ticket_id, t.number AS ticket_number, t.status AS ticket_status,
      t.resolved_at AS ticket_resolved_at, t.updated_at AS ticket_updated_at, t.channel AS ticket_channel,
      t.channel_reference_id AS ticket_channel_reference_id, t.customer_id AS ticket_customer_id,
      (SELECT name FROM customers WHERE tenant_id = t.tenant_id AND id = t.customer_id) AS ticket_customer_name,
      (SELECT merged_into IS NULL FROM customers WHERE id = c.customer_id) AS customer_live,
      ARRAY(SELECT i.kind || ':' || i.value FROM customer_identities i
        WHERE i.customer_id = c.customer_id AND ${checkedOnRow(sql.raw("i.tenant_id"), sql.raw("c.tenant_id"))}) AS identities
    FROM (SELECT * FROM batch ORDER BY tenant_id, channel, thread_ref, created_at, id) b
    CROSS JOIN LATERAL (
      SELECT * FROM conversations
      WHERE tenant_id = b.tenant_id AND channel = b.channel AND thread_ref = b.thread_ref AND dialogue IS NULL
      FOR UPDATE
    ) c
    CROSS JOIN LATERAL (
      SELECT * FROM inbound_messages WHERE id = b.id AND ${waitingStatus} FOR UPDATE
    ) m
    CROSS JOIN LATERAL (
      SELECT * FROM tickets WHERE tenant_id = c.tenant_id AND id = c.ticket_id FOR UPDATE
    ) t
    WHERE NOT EXISTS (SELECT 1 FROM inbound_messages o
      WHERE o.tenant_id = b.tenant_id AND o.channel = b.channel AND o.thread_ref = b.thread_ref
        AND o.status = 'received' AND (o.created_at, o.id) < (b.created_at, b.id)
        AND o.id NOT IN (SELECT id FROM batch))
    ORDER BY b.tenant_id, b.channel, b.thread_ref, b.created_at, b.id`;

type Candidate = {
  id: string;
  /** No files and no thread references. */
  plain: boolean;
  tenant_id: string;
  channel: InboundChannel;
  sender_address: string;
  text: string;
  conversation_id: string;
  conversation_address: string;
  customer_id: string;
  ticket_id: string;
  ticket_number: number | string;
  ticket_status: TicketStatus;
  ticket_resolved_at: Date | null;
  ticket_updated_at: Date;
  ticket_channel: string;
  ticket_channel_reference_id: string | null;
  ticket_customer_id: string;
  ticket_customer_name: string | null;
  customer_live: boolean;
  identities: string[];
};

/**
 * Each chosen message as the single router writes a customer's comment (src/tickets/updates.ts
 * addComment, then markRouted): the comment, the ticket's updated_at, its COMMENT_ADDED event, and
 * the message routed, for all of them in one statement (unnamed, as lockCandidates).
 */
const writeComments = (w: { rows: string; at: string; type: string }) => sql`WITH input AS (
      SELECT * FROM jsonb_to_recordset(${w.rows}::jsonb) AS r(message_id text, tenant_id text,
        conversation_id text, ticket_id text, comment_id text, content text, author_name text,
        event_id text, actor_id text, channel text, customer_id text, payload jsonb)
    ),
    comment AS (
      INSERT INTO ticket_comments (id, tenant_id, ticket_id, content, author_name, author_user_id,
        author_type, is_from_support, is_internal, created_at)
      SELECT comment_id, tenant_id, ticket_id, content, author_name, NULL, 'customer', false, false,
        ${w.at}::timestamptz
      FROM input
    ),
    ticket AS (
      UPDATE tickets t SET updated_at = ${w.at}::timestamptz FROM input WHERE t.id = input.ticket_id
    ),
    event AS (
      INSERT INTO events (id, tenant_id, type, subject_type, subject_id, actor_type, actor_id, channel,
        customer_id, payload, occurred_at)
      SELECT event_id, tenant_id, ${w.type}::text, 'ticket', ticket_id, 'customer', actor_id, channel,
        customer_id, payload, ${w.at}::timestamptz
      FROM input
    )
    UPDATE inbound_messages m SET status = 'routed', outcome = 'comment_added',
      conversation_id = input.conversation_id, ticket_id = input.ticket_id, error = NULL,
      routed_at = ${w.at}::timestamptz
    FROM input WHERE m.id = input.message_id`;

/** Whether the single router would make this message a plain comment, changing nothing else. */
function isPlainComment(c: Candidate, now: Date, deps: RouterDeps, defaultRegion: string | null): boolean {
  const ticket = {
    status: c.ticket_status,
    resolvedAt: c.ticket_resolved_at,
    updatedAt: c.ticket_updated_at,
  };
  if (threadDecision(ticket, now, deps.settings.reopenWindowMs) !== "join") return false;
  // The conversation's address and customer stay as they are: the sender's identity is held by the
  // conversation's customer, who is not merged into another (resolve answers that customer).
  if (c.conversation_address !== c.sender_address || !c.customer_live) return false;
  const identity = contactIdentity({ channel: c.channel, address: c.sender_address }, defaultRegion);
  return identity !== undefined && c.identities.includes(`${identity.kind}:${identity.value}`);
}

/** What a customer's comment row needs: the message, its conversation and the ticket it joins. */
export type CommentSource = Pick<
  Candidate,
  | "id"
  | "tenant_id"
  | "text"
  | "conversation_id"
  | "customer_id"
  | "ticket_id"
  | "ticket_number"
  | "ticket_channel"
  | "ticket_channel_reference_id"
  | "ticket_customer_id"
  | "ticket_customer_name"
>;

/** One row of writeComments for a message: the comment, its event's values, the message routed. */
export function commentRow(c: CommentSource) {
  const commentId = newId("comment");
  const content = maskCardNumbers(messageText({ message: c, files: [], refused: [] }));
  const author = maskCardNumbers(c.ticket_customer_name ?? "Customer");
  return {
    message_id: c.id,
    tenant_id: c.tenant_id,
    conversation_id: c.conversation_id,
    ticket_id: c.ticket_id,
    comment_id: commentId,
    content,
    author_name: author,
    event_id: newId("event"),
    actor_id: c.customer_id,
    channel: c.ticket_channel,
    customer_id: c.ticket_customer_id,
    payload: {
      ticketNumber: String(c.ticket_number),
      channelReferenceId: c.ticket_channel_reference_id,
      commentId,
      author,
      isFromSupport: false,
      isInternal: false,
    },
  };
}

/**
 * Routes, in one transaction of four round trips, those of the messages that are plain comments
 * (the common case: a customer writing again on their open ticket), and answers their ids. The
 * others are left as they were, for the single router.
 */
async function routePlainComments(deps: RouterDeps, messageIds: readonly string[]): Promise<Set<string>> {
  const now = deps.now?.() ?? new Date();
  return deps.db.transaction(async (tx: Tx) => {
    const candidates = rowsOf<Candidate>(await tx.execute(lockCandidates(messageIds)));
    const regions = new Map<string, string | null>();
    // A thread's messages in order: once one is not a plain comment, those after it wait for it.
    const stopped = new Set<string>();
    const rows: ReturnType<typeof commentRow>[] = [];
    for (const c of candidates) {
      let region = regions.get(c.tenant_id);
      if (region === undefined && !regions.has(c.tenant_id)) {
        region = (await tenantProfile(deps.db, c.tenant_id, tx)).defaultRegion;
        regions.set(c.tenant_id, region);
      }
      if (stopped.has(c.conversation_id)) continue;
      if (!c.plain || !isPlainComment(c, now, deps, region ?? null)) {
        stopped.add(c.conversation_id);
        continue;
      }
      rows.push(commentRow(c));
    }
    await writeCustomerComments(tx, rows, now);
    return new Set(rows.map((r) => r.message_id));
  });
}

/** Writes the comments of commentRow's rows in one statement (writeComments); none, no statement. */
export async function writeCustomerComments(
  tx: Tx,
  rows: readonly ReturnType<typeof commentRow>[],
  now: Date,
): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(
    writeComments({ rows: JSON.stringify(rows), at: now.toISOString(), type: eventTypes.commentAdded }),
  );
}

type Waiting = { messageId: string; done: (routed: boolean) => void };

/** How the batch grows: most messages one transaction takes (maxRows), and transactions at once. */
export type CommentBatchLimits = BatchLaneLimits;

/**
 * The router's fast lane. Jobs running at the same time put their messages here; whenever fewer
 * than `maxInFlight` batches run, the waiting messages go together (routePlainComments), so under
 * load a customer's comment costs a share of four round trips instead of about fifteen of its
 * own. Answers whether the message was routed as a plain comment; when it was not (anything else:
 * a new ticket, a reopening, a dialogue, files, a changed customer, or a failed batch), the caller
 * routes it the single way, which meets its own error if there is one.
 */
export function plainCommentLane(
  deps: RouterDeps,
  limits: CommentBatchLimits,
  settled?: { add(messageIds: Iterable<string>): void },
) {
  const lane = batchLane<Waiting>(limits, (batch) =>
    routePlainComments(
      deps,
      batch.map((w) => w.messageId),
    ).then(
      (routed) => {
        settled?.add(routed);
        for (const w of batch) w.done(routed.has(w.messageId));
      },
      // A deadlock with another batch, a lost connection: nothing was written, and each message
      // goes the single way.
      () => {
        for (const w of batch) w.done(false);
      },
    ),
  );
  return (messageId: string): Promise<boolean> =>
    new Promise<boolean>((done) => lane.add({ messageId, done }));
}
