import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type {
  JenisTransaksi,
  MediaTransaksi,
  Priority,
  ServiceType,
  TicketCategory,
  TicketChannel,
  TicketStatus,
} from "../../tickets/vocabulary.js";
import { customers } from "./customers.js";
import { tenants } from "./tenants.js";

const tz = { withTimezone: true, mode: "date" } as const;

/**
 * Ticket numbers count per tenant: one PostgreSQL sequence per tenant (`ticket_number_<tenant id>`,
 * made by a trigger when the tenant is inserted), drawn by a trigger on every ticket insert
 * (migration 0007). A global counter would tell every partner the whole hub's volume between two of
 * its own tickets; a counter row per tenant would make each creation wait for the one before it to
 * commit, and a sequence never waits. Numbers are unique per tenant and increasing, with gaps, which
 * is all partners rely on. The column default is a placeholder the trigger always replaces.
 */
export const tickets = pgTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    // No foreign key to tenants on this hot, append-mostly table: every concurrent ticket of a tenant
    // would take a share lock on the one tenant row (PostgreSQL then juggles multixacts), and the
    // tenant id always comes from the authenticated key. Measured with the tickets benchmark.
    tenantId: text("tenant_id").notNull(),
    number: bigint("number", { mode: "number" }).notNull().default(0),
    channel: text("channel").$type<TicketChannel>().notNull(),
    channelReferenceId: text("channel_reference_id"),
    serviceType: text("service_type").$type<ServiceType>().notNull(),
    category: text("category").$type<TicketCategory>(),
    priority: text("priority").$type<Priority>().notNull(),
    status: text("status").$type<TicketStatus>().notNull().default("OPEN"),
    title: text("title").notNull(),
    description: text("description").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    branchCode: text("branch_code"),
    /** The assigned agent's name as partners see it (currentAssignee): the user's, kept current. */
    assignedTo: text("assigned_to"),
    /** The team's name: a team record's, or the catalogue's default team at creation. */
    assignedTeam: text("assigned_team"),
    /** The tenant's user assigned by an agent (src/users); null: none, or a name from before users. */
    assignedUserId: text("assigned_user_id"),
    /** The tenant's team assigned by an agent; null: none, or the catalogue's default team. */
    assignedTeamId: text("assigned_team_id"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    webhookUrl: text("webhook_url"),
    partnerId: text("partner_id"),
    apiVersion: text("api_version"),
    requestId: text("request_id"),
    /** Audit only: keys are revoked, never deleted, so the id stays meaningful without a foreign key. */
    createdByKeyId: text("created_by_key_id"),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
    firstResponseAt: timestamp("first_response_at", tz),
    resolvedAt: timestamp("resolved_at", tz),
    closedAt: timestamp("closed_at", tz),
    // SLA, derived from policy, calendar and the ticket's status history; stored so the breach
    // scan and the "breached" filter are index lookups. Rewritten with every status change.
    responseDueAt: timestamp("response_due_at", tz),
    resolutionDueAt: timestamp("resolution_due_at", tz),
    slaPaused: boolean("sla_paused").notNull().default(false),
    responseBreachedAt: timestamp("response_breached_at", tz),
    resolutionBreachedAt: timestamp("resolution_breached_at", tz),
  },
  // The desk's reads (issue 15), each chosen from its plan at a million tickets a tenant: every list
  // is newest first, (created_at, id) descending, so every index a list walks ends in those two
  // columns and a page is the next entries of one index range (the keyset), whatever the table's size.
  // Indexes on columns a new ticket leaves empty are partial: creation never writes to them.
  (t) => [
    uniqueIndex("tickets_tenant_number_uq").on(t.tenantId, t.number),
    index("tickets_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
    // A trailing priority lets a status + priority count filter inside the index (index-only).
    index("tickets_tenant_status_idx").on(t.tenantId, t.status, t.createdAt, t.id, t.priority),
    index("tickets_tenant_priority_idx").on(t.tenantId, t.priority, t.createdAt, t.id),
    index("tickets_tenant_service_idx").on(t.tenantId, t.serviceType, t.createdAt, t.id),
    index("tickets_tenant_channel_idx").on(t.tenantId, t.channel, t.createdAt, t.id),
    index("tickets_channel_ref_idx")
      .on(t.tenantId, t.channelReferenceId)
      .where(sql`${t.channelReferenceId} IS NOT NULL`),
    index("tickets_customer_idx").on(t.tenantId, t.customerId, t.createdAt, t.id),
    // The desk's assignee filter matches a user's or team's id or name: one index per column, so
    // each is one ordered range (src/tickets/listing.ts merges them). An agent's queue by status has
    // its own; trailing status and priority are filtered inside the index.
    index("tickets_assigned_user_idx")
      .on(t.tenantId, t.assignedUserId, t.createdAt, t.id, t.status, t.priority)
      .where(sql`${t.assignedUserId} IS NOT NULL`),
    index("tickets_assigned_user_status_idx")
      .on(t.tenantId, t.assignedUserId, t.status, t.createdAt, t.id, t.priority)
      .where(sql`${t.assignedUserId} IS NOT NULL`),
    index("tickets_assigned_team_idx")
      .on(t.tenantId, t.assignedTeamId, t.createdAt, t.id)
      .where(sql`${t.assignedTeamId} IS NOT NULL`),
    index("tickets_assigned_to_idx")
      .on(t.tenantId, t.assignedTo, t.createdAt, t.id)
      .where(sql`${t.assignedTo} IS NOT NULL`),
    index("tickets_assigned_team_name_idx").on(t.tenantId, t.assignedTeam, t.createdAt, t.id),
    // Tickets the scan marked breached: a few per cent of a tenant's, never a new one.
    index("tickets_breached_idx")
      .on(t.tenantId, t.createdAt, t.id)
      .where(sql`${t.responseBreachedAt} IS NOT NULL OR ${t.resolutionBreachedAt} IS NOT NULL`),
    // The breach scan's candidates, in deadline order: open, running clock, not yet marked. A paused
    // clock is left out, or every tick would walk past the tickets waiting on their customers.
    index("tickets_sla_response_idx")
      .on(t.responseDueAt)
      .where(
        sql`${t.status} NOT IN ('RESOLVED', 'CLOSED', 'CANCELLED') AND NOT ${t.slaPaused} AND ${t.responseBreachedAt} IS NULL AND ${t.firstResponseAt} IS NULL`,
      ),
    index("tickets_sla_open_idx")
      .on(t.resolutionDueAt)
      .where(
        sql`${t.status} NOT IN ('RESOLVED', 'CLOSED', 'CANCELLED') AND NOT ${t.slaPaused} AND ${t.resolutionBreachedAt} IS NULL`,
      ),
    // Title search (part of the title, any case): trigrams, where the database has pg_trgm (the
    // migration creates it only then; see README, Agents' desk).
    index("tickets_title_trgm_idx").using("gin", sql`${t.title} gin_trgm_ops`),
  ],
);

/** The structured fields of a KLAIM-OMNI claim; the claim itself is a ticket of service type CLAIM. */
export const claims = pgTable("claims", {
  ticketId: text("ticket_id")
    .primaryKey()
    .references(() => tickets.id, { onDelete: "cascade" }),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" }),
  namaNasabah: text("nama_nasabah").notNull(),
  mediaTransaksi: text("media_transaksi").$type<MediaTransaksi>().notNull(),
  jenisTransaksi: text("jenis_transaksi").$type<JenisTransaksi>(),
  nominal: numeric("nominal", { precision: 15, scale: 2, mode: "number" }).notNull(),
  nomorRekening: text("nomor_rekening"),
  /** Only ever the masked form: a full card number never reaches storage. */
  nomorKartuMasked: text("nomor_kartu_masked"),
  claimReason: text("claim_reason"),
  claimDate: timestamp("claim_date", tz),
  transactionId: text("transaction_id"),
  referenceNumber: text("reference_number"),
  atmId: text("atm_id"),
});

export const commentAuthorTypes = ["partner", "customer", "agent", "system"] as const;
export type CommentAuthorType = (typeof commentAuthorTypes)[number];

export const comments = pgTable(
  "ticket_comments",
  {
    id: text("id").primaryKey(),
    /**
     * No foreign keys (a lookup and a row lock per comment on the inbound comment write): every
     * writer holds the ticket's row lock, and deleting a ticket or a tenant deletes its comments by
     * trigger (migration 0030).
     */
    tenantId: text("tenant_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    content: text("content").notNull(),
    /** The author's name as written: for an agent, the user's name when they wrote. */
    authorName: text("author_name").notNull(),
    /** The tenant's user who wrote it (desk replies and notes); null for partners and customers. */
    authorUserId: text("author_user_id"),
    authorType: text("author_type").$type<CommentAuthorType>().notNull(),
    isFromSupport: boolean("is_from_support").notNull(),
    /** Agents' notes to each other: never shown to partners or customers. */
    isInternal: boolean("is_internal").notNull().default(false),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
  },
  // A ticket's comments page newest first by (created_at, id).
  (t) => [index("ticket_comments_ticket_idx").on(t.ticketId, t.createdAt, t.id)],
);

export const attachments = pgTable(
  "ticket_attachments",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    ticketId: text("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    filename: text("filename").notNull(),
    mimeType: text("mime_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    /** Where the blob store keeps the bytes; never a path a client chose. */
    storageKey: text("storage_key").notNull(),
    description: text("description"),
    uploadedAt: timestamp("uploaded_at", tz).notNull().defaultNow(),
  },
  (t) => [index("ticket_attachments_ticket_idx").on(t.ticketId, t.uploadedAt)],
);

export type TicketRow = typeof tickets.$inferSelect;
export type ClaimRow = typeof claims.$inferSelect;
export type CommentRow = typeof comments.$inferSelect;
export type AttachmentRow = typeof attachments.$inferSelect;
