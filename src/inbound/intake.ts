import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { type BatchLaneLimits, batchLane } from "../db/batchLane.js";
import { statusAmong } from "../db/checkedOnRow.js";
import { type Database, rowsOf } from "../db/client.js";
import { beyond, exactAt, type KeysetPosition } from "../db/keyset.js";
import { inboundMessages } from "../db/schema/index.js";
import { newId } from "../ids.js";
import { within } from "../within.js";
import type { InboundChannel, InboundMessage } from "./message.js";
import {
  storableHints,
  storableIdentifier,
  storableMessageText,
  storableRaw,
  storableText,
} from "./storable.js";

/**
 * The inbound queue's job id for a message: derived from the provider's message id, so a
 * redelivery that arrives while the first job still waits is deduplicated by BullMQ too. Hashed:
 * BullMQ refuses ':' and all-digit custom ids, and a Telegram chat id is a person's identifier that
 * has no business in Redis. The id is taken as stored (storableIdentifier, which leaves a stored id
 * as it is), so the id as the provider sent it and the id read back from the table give the same
 * job even when it held digits that read as a card number (a Twilio SID's hex can).
 */
export function inboundJobId(tenantId: string, channel: InboundChannel, providerMessageId: string): string {
  const stored = storableIdentifier(providerMessageId);
  const digest = createHash("sha256").update(`${tenantId}\n${channel}\n${stored}`).digest("hex");
  return `${channel}.${digest.slice(0, 40)}`;
}

/** A stored message waiting for the router, as its job names it. */
export type PendingInbound = { tenantId: string; messageId: string; jobId: string };

/** Puts the router's jobs on the inbound queue (the producer, in production). */
export type InboundEnqueue = (jobs: readonly PendingInbound[]) => Promise<void>;

export type IntakeResult = { stored: number; duplicates: number };

/** A message as intake stores it: masked, with the id its row gets. */
type StorableRow = ReturnType<typeof storableRow>;

function storableRow(m: InboundMessage) {
  return {
    id: newId("inboundMessage"),
    tenantId: m.tenantId,
    channel: m.channel,
    providerMessageId: storableIdentifier(m.providerMessageId),
    senderAddress: storableIdentifier(m.sender.address),
    senderName: m.sender.displayName ? storableText(m.sender.displayName) : null,
    threadRef: storableIdentifier(m.threadRef),
    threadHints: m.threadHints ? storableHints(m.threadHints) : null,
    text: storableMessageText(m.text),
    attachments: m.attachments.map((a) => ({
      ...a,
      ref: storableIdentifier(a.ref),
      filename: a.filename === undefined ? undefined : storableText(a.filename),
      mimeType: a.mimeType === undefined ? undefined : storableText(a.mimeType),
    })),
    languageHint: m.languageHint ? storableText(m.languageHint) : null,
    receivedAt: m.receivedAt,
    rawPayload: storableRaw(m.raw),
  };
}

/**
 * The rows as one statement whose rows travel as one JSON parameter: built by drizzle, a batch of
 * fifty was 650 parameters, and building it took about 5 % of the hub's CPU under inbound load.
 * The JSON carries the rows as intake makes them (storableRow's names, quoted). Sent unnamed, so
 * planned for its values each time (a plain insert: nothing to plan).
 */
const insertInbound = (rows: string) => sql`INSERT INTO inbound_messages (id, tenant_id, channel,
      provider_message_id, sender_address, sender_name, thread_ref, thread_hints, text, attachments,
      language_hint, received_at, raw_payload)
    SELECT id, "tenantId", channel, "providerMessageId", "senderAddress", "senderName", "threadRef",
      "threadHints", text, attachments, "languageHint", "receivedAt", "rawPayload"
    FROM jsonb_to_recordset(${rows}::jsonb) AS r(id text, "tenantId" text, channel text,
      "providerMessageId" text, "senderAddress" text, "senderName" text, "threadRef" text,
      "threadHints" jsonb, text text, attachments jsonb, "languageHint" text, "receivedAt" timestamptz,
      "rawPayload" jsonb)
    ON CONFLICT (tenant_id, channel, provider_message_id) DO NOTHING
    RETURNING id`;

/** Inserts the rows; a row whose provider id is stored already (a redelivery) writes nothing. Answers the ids written. */
async function insertRows(db: Database, rows: readonly StorableRow[]): Promise<Set<string>> {
  const written = await db.execute(insertInbound(JSON.stringify(rows)));
  return new Set(rowsOf<{ id: string }>(written).map((r) => r.id));
}

/**
 * The jobs for rows an insert answered: each row written, and each redelivery whose message still
 * waits for the router (the first delivery may have stored it and died before enqueuing).
 */
async function jobsFor(
  db: Database,
  rows: readonly StorableRow[],
  insertedIds: ReadonlySet<string>,
): Promise<{ pending: PendingInbound[]; result: IntakeResult }> {
  const pending: PendingInbound[] = rows
    .filter((r) => insertedIds.has(r.id))
    .map((r) => ({
      tenantId: r.tenantId,
      messageId: r.id,
      jobId: inboundJobId(r.tenantId, r.channel, r.providerMessageId),
    }));
  const redelivered = rows.filter((r) => !insertedIds.has(r.id));
  pending.push(...(await stillWaiting(db, redelivered)));
  return {
    pending,
    result: { stored: rows.length - redelivered.length, duplicates: redelivered.length },
  };
}

async function acceptRows(
  db: Database,
  enqueue: InboundEnqueue,
  rows: readonly StorableRow[],
): Promise<IntakeResult> {
  const { pending, result } = await jobsFor(db, rows, await insertRows(db, rows));
  await enqueue(pending);
  return result;
}

/**
 * Stores messages (masked) and enqueues each one the router has not handled yet. A message whose
 * provider id is already stored is a redelivery: it writes nothing, and is enqueued again only while
 * it still waits for the router (the first delivery may have stored it and died before enqueuing).
 * Rows are committed before their jobs exist, so a job always finds its message.
 */
export async function acceptInbound(
  db: Database,
  enqueue: InboundEnqueue,
  messages: readonly InboundMessage[],
): Promise<IntakeResult> {
  if (messages.length === 0) return { stored: 0, duplicates: 0 };
  return acceptRows(db, enqueue, messages.map(storableRow));
}

type IntakeCall = {
  rows: StorableRow[];
  resolve: (result: IntakeResult) => void;
  reject: (err: unknown) => void;
};

/**
 * Requests one batch carries, and batches at once: one, so the next fills while it commits and
 * queues its jobs. With two at once, the inbound benchmark's INSERTs held about 13 messages; with
 * one, about 24: half the statements, commits and addBulk calls for the same messages.
 */
const intakeLimits: BatchLaneLimits = { maxRows: 50, maxInFlight: 1 };

/**
 * How long a batch waits for Redis to take its jobs before it leaves them to the inbound sweep: a
 * Redis that hangs (a partition that keeps the connection open) would otherwise hold the lane's
 * batches, and with them every request after the messages already answered.
 */
const intakeEnqueueWaitMs = 5000;

type IntakeOptions = { limits?: BatchLaneLimits; enqueueWaitMs?: number };

/**
 * acceptInbound for the webhook routes, whose providers post many requests at once: the messages
 * of the requests waiting together are stored by one INSERT and their jobs put on the queue by one
 * addBulk, so under load a message costs a share of two round trips instead of two of its own
 * (an idle route still stores each request at once, alone). A request answers once its rows are
 * committed: from then on the message is the hub's, and what the provider is told. Its job is
 * queued right after, in the same batch (so the lane still paces requests by what Redis takes);
 * a job that cannot be queued (Redis away, or not answering within `enqueueWaitMs`) is reported to
 * `onUnqueued` and left to the inbound sweep, which queues every stored message the router has not
 * taken (strandedInbound), rather than failing a request whose message is stored. A batch whose
 * INSERT fails (a row's data) writes nothing and each of its requests is then stored alone, meeting
 * only its own error.
 */
export function batchedIntake(
  db: Database,
  enqueue: InboundEnqueue,
  onUnqueued: (err: unknown, jobs: number) => void,
  { limits = intakeLimits, enqueueWaitMs = intakeEnqueueWaitMs }: IntakeOptions = {},
) {
  /** Answers each call for the rows the INSERT wrote, then queues their jobs within the bound. */
  async function answerThenQueue(
    calls: readonly IntakeCall[],
    insertedIds: ReadonlySet<string>,
  ): Promise<void> {
    let answered: Awaited<ReturnType<typeof jobsFor>>[];
    try {
      answered = await Promise.all(calls.map((call) => jobsFor(db, call.rows, insertedIds)));
    } catch (err) {
      for (const call of calls) call.reject(err);
      return;
    }
    calls.forEach((call, i) => {
      const a = answered[i];
      if (a) call.resolve(a.result);
    });
    const pending = answered.flatMap((a) => a.pending);
    try {
      await within(enqueue(pending), enqueueWaitMs, "queueing inbound messages' jobs");
    } catch (err) {
      onUnqueued(err, pending.length);
    }
  }

  const lane = batchLane<IntakeCall>(limits, async (batch) => {
    let insertedIds: Set<string>;
    try {
      insertedIds = await insertRows(
        db,
        batch.flatMap((call) => call.rows),
      );
    } catch {
      // Each request alone, answered and queued as a batch is: a Redis that hangs holds none of them.
      for (const call of batch) {
        void insertRows(db, call.rows).then((ids) => answerThenQueue([call], ids), call.reject);
      }
      return;
    }
    await answerThenQueue(batch, insertedIds);
  });
  return (messages: readonly InboundMessage[]): Promise<IntakeResult> => {
    if (messages.length === 0) return Promise.resolve({ stored: 0, duplicates: 0 });
    return new Promise((resolve, reject) => lane.add({ rows: messages.map(storableRow), resolve, reject }));
  };
}

/** Whether a message with this provider id is stored already (a redelivery). */
export async function isStored(
  db: Database,
  tenantId: string,
  channel: InboundChannel,
  providerMessageId: string,
): Promise<boolean> {
  const [row] = await db
    .select({ id: inboundMessages.id })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.tenantId, tenantId),
        eq(inboundMessages.channel, channel),
        eq(inboundMessages.providerMessageId, storableIdentifier(providerMessageId)),
      ),
    );
  return row !== undefined;
}

/** Of redelivered messages, those stored earlier and still waiting for the router, in one read. */
async function stillWaiting(
  db: Database,
  redelivered: ReadonlyArray<{ tenantId: string; channel: InboundChannel; providerMessageId: string }>,
): Promise<PendingInbound[]> {
  if (redelivered.length === 0) return [];
  const keys = redelivered.map((r) => ({
    tenant_id: r.tenantId,
    channel: r.channel,
    provider_message_id: r.providerMessageId,
  }));
  // Found by the provider key; the status checked on the rows found (the waiting index's predicate
  // it is, and statistics older than a backlog would read that whole index instead).
  const rows = rowsOf<{
    id: string;
    tenant_id: string;
    channel: InboundChannel;
    provider_message_id: string;
  }>(
    await db.execute(sql`SELECT m.id, m.tenant_id, m.channel, m.provider_message_id
      FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS k(tenant_id text, channel text, provider_message_id text)
      JOIN inbound_messages m ON m.tenant_id = k.tenant_id AND m.channel = k.channel
        AND m.provider_message_id = k.provider_message_id
      WHERE ${statusAmong(sql.raw("m.status"), ["received"])}`),
  );
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    messageId: row.id,
    jobId: inboundJobId(row.tenant_id, row.channel, row.provider_message_id),
  }));
}

/**
 * Messages stored but not routed for longer than `olderThanMs`, oldest first (after `after` when
 * given, a page at a time): their job may be lost with Redis.
 */
export async function strandedInbound(
  db: Database,
  olderThanMs: number,
  limit: number,
  after?: KeysetPosition,
) {
  const rows = await db
    .select({
      id: inboundMessages.id,
      tenantId: inboundMessages.tenantId,
      channel: inboundMessages.channel,
      providerMessageId: inboundMessages.providerMessageId,
      at: exactAt(inboundMessages.createdAt),
    })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.status, "received"),
        sql`${inboundMessages.createdAt} < now() - make_interval(secs => ${olderThanMs / 1000})`,
        after ? beyond(inboundMessages.createdAt, inboundMessages.id, ">", after) : undefined,
      ),
    )
    .orderBy(inboundMessages.createdAt, inboundMessages.id)
    .limit(limit);
  return rows.map((r) => ({
    tenantId: r.tenantId,
    messageId: r.id,
    jobId: inboundJobId(r.tenantId, r.channel, r.providerMessageId),
    position: { at: r.at, id: r.id },
  }));
}
