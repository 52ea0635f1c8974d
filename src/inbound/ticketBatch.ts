import { sql } from "drizzle-orm";
import { type BatchLaneLimits, batchLane } from "../db/batchLane.js";
import { rowsOf, type Tx } from "../db/client.js";
import { newId } from "../ids.js";
import { createTicketsWithin } from "../tickets/create.js";
import type { ServiceType } from "../tickets/vocabulary.js";
import { localeFromHint } from "./claimDialogue/prompts.js";
import { commentRow, perThread, plainMessage, waitingAmong, writeCustomerComments } from "./commentBatch.js";
import { newReplyToken } from "./conversationStore.js";
import type { RouterDeps } from "./deps.js";
import type { ResolvedCustomer } from "./identity/port.js";
import { type InboundChannel, ticketChannelOf } from "./message.js";
import { messageText, type RouteOutcome } from "./routeStep.js";
import { serviceTypeRuleSet } from "./serviceTypeRuleStore.js";
import { classifyServiceType } from "./serviceTypeRules.js";

/**
 * The waiting messages, oldest first, of each thread the jobs' messages belong to that has no
 * conversation yet (a customer writing on it for the first time). A peek, without locks: what the
 * batch then takes it locks in the single router's order (conversation first, then message).
 */
const waitingOfNewThreads = (ids: readonly string[]) => sql`WITH thread AS MATERIALIZED (
      SELECT DISTINCT tenant_id, channel, thread_ref FROM inbound_messages WHERE ${waitingAmong(ids)}
    )
    SELECT m.id, m.tenant_id, m.channel, m.thread_ref, m.sender_address, m.sender_name, m.text,
      m.language_hint, ${plainMessage} AS plain
    FROM thread t CROSS JOIN LATERAL (
      SELECT * FROM inbound_messages
      WHERE tenant_id = t.tenant_id AND channel = t.channel AND thread_ref = t.thread_ref AND status = 'received'
      ORDER BY created_at, id
      LIMIT ${perThread}
    ) m
    WHERE NOT EXISTS (SELECT 1 FROM conversations c
      WHERE c.tenant_id = t.tenant_id AND c.channel = t.channel AND c.thread_ref = t.thread_ref)
    ORDER BY m.tenant_id, m.channel, m.thread_ref, m.created_at, m.id`;

type Waiting = {
  id: string;
  tenant_id: string;
  channel: InboundChannel;
  thread_ref: string;
  sender_address: string;
  sender_name: string | null;
  text: string;
  language_hint: string | null;
  /** No files and no thread references: nothing to fetch and no earlier ticket to look for. */
  plain: boolean;
};

/**
 * The conversations of the threads, as lockConversation creates one. A thread whose conversation
 * another router created meanwhile is not returned (ON CONFLICT waits for that one to commit): its
 * messages are that router's, or the single way's.
 */
const insertConversations = (rows: string, at: string) => sql`INSERT INTO conversations
      (id, tenant_id, channel, thread_ref, customer_id, address, locale, created_at, updated_at)
    SELECT id, tenant_id, channel, thread_ref, customer_id, address, locale, ${at}::timestamptz, ${at}::timestamptz
    FROM jsonb_to_recordset(${rows}::jsonb) AS r(id text, tenant_id text, channel text, thread_ref text,
      customer_id text, address text, locale text)
    ON CONFLICT DO NOTHING
    RETURNING id`;

/** The messages still waiting among these, locked until the batch commits (in one order: by id). */
const lockWaiting = (ids: readonly string[]) => sql`SELECT id FROM inbound_messages
    WHERE ${waitingAmong(ids)}
    ORDER BY id
    FOR UPDATE`;

/**
 * Each opened ticket as the single router finishes one (linkOpenedTicket, then markRouted): linked
 * to its conversation, fed by the conversation's next messages, acknowledged to the customer, and
 * its first message routed, for all of them in one statement.
 */
const writeOpened = (rows: string, at: string) => sql`WITH input AS (
      SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS r(message_id text, tenant_id text,
        conversation_id text, ticket_id text, reply_token text, ack_id text, channel text, address text,
        ack_text text, ack_content jsonb)
    ),
    link AS (
      INSERT INTO conversation_tickets (ticket_id, tenant_id, conversation_id, reply_token)
      SELECT ticket_id, tenant_id, conversation_id, reply_token FROM input
      ON CONFLICT DO NOTHING
    ),
    conversation AS (
      UPDATE conversations c SET ticket_id = input.ticket_id, dialogue = NULL, updated_at = ${at}::timestamptz
      FROM input WHERE c.id = input.conversation_id
    ),
    acknowledgement AS (
      INSERT INTO outbound_messages (id, tenant_id, conversation_id, ticket_id, comment_id, kind, channel,
        to_address, text, content, created_at, updated_at)
      SELECT ack_id, tenant_id, conversation_id, ticket_id, NULL, 'acknowledgement', channel, address, ack_text,
        ack_content, ${at}::timestamptz, ${at}::timestamptz
      FROM input
    )
    UPDATE inbound_messages m SET status = 'routed', outcome = 'ticket_created',
      conversation_id = input.conversation_id, ticket_id = input.ticket_id, error = NULL,
      routed_at = ${at}::timestamptz
    FROM input WHERE m.id = input.message_id`;

/** A new thread the batch opens a ticket for: its first message, and the plain ones behind it. */
type Opening = {
  first: Waiting;
  followers: Waiting[];
  serviceType: ServiceType;
  conversationId: string;
  customer?: ResolvedCustomer;
};

/**
 * The threads whose first message the single router would make a plain new ticket (no files, no
 * thread references, not a claim: a claim starts a dialogue), with the messages behind it that it
 * would then make comments on that ticket: plain too, from the same address, up to the first that
 * is not (it, and those after it, wait for their own jobs).
 */
async function openings(deps: RouterDeps, tx: Tx, waiting: readonly Waiting[]): Promise<Opening[]> {
  const threads = new Map<string, Waiting[]>();
  for (const m of waiting) {
    const key = JSON.stringify([m.tenant_id, m.channel, m.thread_ref]);
    const thread = threads.get(key);
    if (thread) thread.push(m);
    else threads.set(key, [m]);
  }
  const result: Opening[] = [];
  for (const [first, ...rest] of threads.values()) {
    if (!first?.plain) continue;
    const ruleSet = await serviceTypeRuleSet(deps.db, first.tenant_id, tx);
    const serviceType = classifyServiceType(first.text, ruleSet);
    if (serviceType === "CLAIM") continue;
    const end = rest.findIndex((m) => !m.plain || m.sender_address !== first.sender_address);
    const followers = end === -1 ? rest : rest.slice(0, end);
    result.push({ first, followers, serviceType, conversationId: newId("conversation") });
  }
  return result;
}

type Opened = { routed: Map<string, RouteOutcome>; acknowledgements: Map<string, string[]> };

/**
 * Opens, in one transaction, a ticket for each new thread among the jobs' messages whose first
 * message is a plain new ticket, and adds the messages waiting behind it as its comments: the
 * customers resolved together through the customers module (its one matching rule), then one
 * statement each for the conversations, the messages' locks, the tickets with their events
 * (the tickets module's batched creation), the links, acknowledgements and first messages routed,
 * and the comments. Anything else is left as it was, for the single router.
 */
async function openNewThreads(deps: RouterDeps, messageIds: readonly string[]): Promise<Opened> {
  const routed = new Map<string, RouteOutcome>();
  const acknowledgements = new Map<string, string[]>();
  // Most jobs that come this way are not on a new thread: a read with no transaction answers them.
  const waiting = rowsOf<Waiting>(await deps.db.execute(waitingOfNewThreads(messageIds)));
  if (!waiting.some((m) => m.plain)) return { routed, acknowledgements };
  const now = deps.now?.() ?? new Date();
  const at = now.toISOString();
  await deps.db.transaction(async (tx) => {
    const candidates = await openings(deps, tx, waiting);
    if (candidates.length === 0) return;
    // In the threads' order (the read's), as every batch takes them.
    const customers = await deps.customers.resolveAll(
      tx,
      candidates.map((o) => ({
        tenantId: o.first.tenant_id,
        channel: o.first.channel,
        address: o.first.sender_address,
        displayName: o.first.sender_name ?? undefined,
      })),
      now,
    );
    candidates.forEach((o, i) => {
      o.customer = customers[i];
    });
    const conversationRows = candidates.map((o) => ({
      id: o.conversationId,
      tenant_id: o.first.tenant_id,
      channel: o.first.channel,
      thread_ref: o.first.thread_ref,
      customer_id: o.customer?.customerId,
      address: o.first.sender_address,
      locale: localeFromHint(o.first.language_hint),
    }));
    const created = new Set(
      rowsOf<{ id: string }>(await tx.execute(insertConversations(JSON.stringify(conversationRows), at))).map(
        (r) => r.id,
      ),
    );
    const ours = candidates.filter((o) => created.has(o.conversationId));
    const messageIdsOf = ours.flatMap((o) => [o.first.id, ...o.followers.map((m) => m.id)]);
    const locked = new Set(
      rowsOf<{ id: string }>(await tx.execute(lockWaiting(messageIdsOf))).map((r) => r.id),
    );
    // A conversation this batch created is its own until it commits: nobody routed its first
    // message, unless its last attempt marked it failed. Behind it, the messages still waiting in order.
    const opening = ours.filter((o) => locked.has(o.first.id));
    for (const o of opening) {
      const end = o.followers.findIndex((m) => !locked.has(m.id));
      if (end !== -1) o.followers = o.followers.slice(0, end);
    }
    if (opening.length === 0) return;
    const tickets = await createTicketsWithin(
      tx,
      { db: deps.db, blobs: deps.blobs, now: () => now },
      opening.map((o) => {
        const customer = o.customer as ResolvedCustomer;
        return {
          ctx: { tenantId: o.first.tenant_id, actor: { type: "customer", id: customer.customerId } },
          input: {
            channel: ticketChannelOf[o.first.channel],
            channelReferenceId: o.conversationId,
            serviceType: o.serviceType,
            customer: { name: customer.name },
            customerId: customer.customerId,
            description: messageText({ message: o.first, files: [], refused: [] }),
          },
        };
      }),
    );
    const ticketOf = (o: Opening, i: number) => {
      const ticket = tickets[i];
      if (!ticket) throw new Error(`no ticket for message ${o.first.id}`);
      return ticket;
    };
    const acks = await deps.acknowledger.render(
      tx,
      opening.map((o, i) => ({
        tenantId: o.first.tenant_id,
        channel: o.first.channel,
        locale: localeFromHint(o.first.language_hint),
        ticketNumber: ticketOf(o, i).ticketNumber,
        customerName: (o.customer as ResolvedCustomer).name,
      })),
    );
    const openedRows = opening.map((o, i) => {
      const ticket = ticketOf(o, i);
      const ack = acks[i];
      if (!ack) throw new Error(`no acknowledgement for message ${o.first.id}`);
      const ackId = newId("outboundMessage");
      const tenantAcks = acknowledgements.get(o.first.tenant_id) ?? [];
      tenantAcks.push(ackId);
      acknowledgements.set(o.first.tenant_id, tenantAcks);
      return {
        message_id: o.first.id,
        tenant_id: o.first.tenant_id,
        conversation_id: o.conversationId,
        ticket_id: ticket.ticketId,
        reply_token: o.first.channel === "email" ? newReplyToken() : null,
        ack_id: ackId,
        channel: o.first.channel,
        address: o.first.sender_address,
        ack_text: ack.text,
        ack_content: ack.content,
      };
    });
    await tx.execute(writeOpened(JSON.stringify(openedRows), at));
    const comments = opening.flatMap((o, i) => {
      const ticket = tickets[i];
      const customer = o.customer as ResolvedCustomer;
      if (!ticket) return [];
      return o.followers.map((m) =>
        commentRow({
          id: m.id,
          tenant_id: m.tenant_id,
          text: m.text,
          conversation_id: o.conversationId,
          customer_id: customer.customerId,
          ticket_id: ticket.ticketId,
          ticket_number: ticket.ticketNumber,
          ticket_channel: ticketChannelOf[o.first.channel],
          ticket_channel_reference_id: o.conversationId,
          ticket_customer_id: customer.customerId,
          ticket_customer_name: customer.name,
        }),
      );
    });
    await writeCustomerComments(tx, comments, now);
    for (const o of opening) {
      routed.set(o.first.id, "ticket_created");
      for (const m of o.followers) routed.set(m.id, "comment_added");
    }
  });
  return { routed, acknowledgements };
}

type Job = {
  messageId: string;
  resolve: (outcome: RouteOutcome | undefined) => void;
  reject: (err: unknown) => void;
};

/**
 * The router's lane for customers writing on a new thread. Jobs running at the same time put their
 * messages here; whenever fewer than `maxInFlight` batches run, the waiting ones go together
 * (openNewThreads), so under load a new customer's ticket costs a share of one transaction instead
 * of about fifteen round trips of its own, and the messages they sent meanwhile become its comments
 * in the same transaction instead of queueing behind it. Answers what was done with the job's
 * message, or undefined when the batch left it (anything but a new thread's plain messages, or a
 * failed batch): the caller then routes it the single way, which meets its own error if there is one.
 */
export function newThreadLane(
  deps: RouterDeps,
  limits: BatchLaneLimits,
  settled?: { add(messageIds: Iterable<string>): void },
) {
  const lane = batchLane<Job>(limits, async (batch) => {
    let opened: Opened;
    try {
      opened = await openNewThreads(
        deps,
        batch.map((j) => j.messageId),
      );
      settled?.add(opened.routed.keys());
    } catch {
      // A deadlock with another batch, a lost connection: nothing was written, and each message
      // goes the single way.
      for (const j of batch) j.resolve(undefined);
      return;
    }
    try {
      // After the commit, as the single way enqueues its acknowledgement.
      for (const [tenantId, ids] of opened.acknowledgements) await deps.enqueueOutbound(tenantId, ids);
    } catch (err) {
      // As on the single way, the routed messages' jobs fail (their retry finds them routed) and
      // the acknowledgements wait for the outbound sweep.
      for (const j of batch) {
        if (opened.routed.has(j.messageId)) j.reject(err);
        else j.resolve(undefined);
      }
      return;
    }
    for (const j of batch) j.resolve(opened.routed.get(j.messageId));
  });
  return (messageId: string): Promise<RouteOutcome | undefined> =>
    new Promise((resolve, reject) => lane.add({ messageId, resolve, reject }));
}
