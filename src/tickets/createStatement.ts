import { type SQL, sql } from "drizzle-orm";
import { customerCte } from "../customers/service.js";
import { type Database, executePrepared, type Tx } from "../db/client.js";
import { eventTypes } from "../events/catalog.js";
import { eventInsertSql } from "../events/writer.js";
import type { SlaState } from "../sla/clock.js";
import type { ClaimFields } from "./claimText.js";
import type { NewTicket, TicketContext } from "./create.js";
import { type AttachmentRecord, attachmentInsertSql } from "./storeAttachments.js";
import type { Priority } from "./vocabulary.js";

/** A ticket ready to write: every value decided, nothing left to look up. */
export type TicketDraft = Omit<NewTicket, "attachments" | "priority" | "title"> & {
  title: string;
  priority: Priority;
  assignedTeam: string;
  sla: SlaState;
  attachments: readonly AttachmentRecord[];
  claim?: ClaimFields | undefined;
};

function claimInsertSql(tenantId: string, c: ClaimFields): SQL {
  return sql`INSERT INTO claims (ticket_id, tenant_id, nama_nasabah, media_transaksi, jenis_transaksi, nominal,
      nomor_rekening, nomor_kartu_masked, claim_reason, claim_date, transaction_id, reference_number, atm_id)
    SELECT ticket.id, ${tenantId}, ${c.namaNasabah}, ${c.mediaTransaksi}, ${c.jenisTransaksi ?? null}::text,
      ${c.nominal}::numeric, ${c.nomorRekening ?? null}::text, ${c.nomorKartuMasked ?? null}::text,
      ${c.claimReason ?? null}::text, ${c.claimDate ?? null}::timestamptz, ${c.transactionId ?? null}::text,
      ${c.referenceNumber ?? null}::text, ${c.atmId ?? null}::text
    FROM ticket`;
}

/**
 * The whole creation as one statement: customer matched or created, ticket, claim fields,
 * attachment rows, and their events. One statement is one transaction and one round trip, which
 * is what keeps ticket creation close to a bare INSERT under load. Answers the ticket's number, or
 * undefined when a concurrent first contact of the same new customer won the race (run it again).
 */
export async function writeTicket(
  db: Database | Tx,
  ctx: TicketContext,
  ticketId: string,
  draft: TicketDraft,
  now: Date,
): Promise<string | undefined> {
  const at = now.toISOString();
  const optional = (value: string | undefined) => value ?? null;
  const ticketPayload = {
    channelReferenceId: draft.channelReferenceId ?? null,
    status: "OPEN",
    serviceType: draft.serviceType,
    priority: draft.priority,
    attachments: draft.attachments.length,
    ...(draft.claim ? { claim: true } : {}),
  };
  const statement = sql`WITH ${customerCte(ctx.tenantId, draft.customer, ctx.actor, now)},
    ticket AS (
      INSERT INTO tickets (id, tenant_id, channel, channel_reference_id, service_type, category, priority, status,
        title, description, customer_id, branch_code, assigned_team, metadata, webhook_url, partner_id, api_version,
        request_id, created_by_key_id, created_at, updated_at, response_due_at, resolution_due_at, sla_paused)
      SELECT ${ticketId}, ${ctx.tenantId}, ${draft.channel}, ${optional(draft.channelReferenceId)}::text,
        ${draft.serviceType}, ${optional(draft.category)}::text, ${draft.priority}, 'OPEN', ${draft.title},
        ${draft.description}, customer.id, ${optional(draft.branchCode)}::text, ${draft.assignedTeam},
        ${JSON.stringify(draft.metadata ?? {})}::jsonb, ${optional(draft.integration?.webhookUrl)}::text,
        ${optional(draft.integration?.partnerId)}::text, ${optional(draft.integration?.apiVersion)}::text,
        ${optional(draft.integration?.requestId)}::text, ${optional(ctx.keyId)}::text, ${at}::timestamptz,
        ${at}::timestamptz, ${draft.sla.responseDeadline.toISOString()}::timestamptz,
        ${draft.sla.resolutionDeadline.toISOString()}::timestamptz, ${draft.sla.paused}::boolean
      FROM customer LIMIT 1
      RETURNING id, number, customer_id
    )
    ${draft.claim ? sql`, claim_row AS (${claimInsertSql(ctx.tenantId, draft.claim)})` : sql``}
    ${draft.attachments.length > 0 ? sql`, attachment_rows AS (${attachmentInsertSql(ctx.tenantId, draft.attachments, now)})` : sql``},
    ticket_created AS (
      ${eventInsertSql(
        {
          tenantId: ctx.tenantId,
          type: eventTypes.ticketCreated,
          subjectType: "ticket",
          actor: ctx.actor,
          channel: draft.channel,
          payload: ticketPayload,
          occurredAt: now,
        },
        {
          cte: "ticket",
          extraPayload: sql`jsonb_build_object('ticketNumber', ticket.number::text, 'customerId', ticket.customer_id)`,
        },
      )}
    )
    SELECT number::text AS number FROM ticket`;
  const variant = `${draft.claim ? "c" : ""}${draft.attachments.length > 0 ? "a" : ""}`;
  const [row] = await executePrepared<{ number: string }>(db, `create_ticket_v1${variant}`, statement);
  return row?.number;
}
