import { z } from "@hono/zod-openapi";
import { commentAuthorTypes, outboundStatuses } from "../db/schema/index.js";
import { paginationSchema } from "../http/pagination.js";
import {
  jenisTransaksi,
  mediaTransaksi,
  priorities,
  serviceTypes,
  ticketCategories,
  ticketChannels,
  ticketStatuses,
} from "../tickets/vocabulary.js";

const isoOrNull = z.string().nullable();

export const deskSlaSchema = z
  .object({
    responseDeadline: isoOrNull,
    resolutionDeadline: isoOrNull,
    isBreached: z.boolean(),
    paused: z
      .boolean()
      .openapi({ description: "The clock stands still while the ticket waits on the customer" }),
  })
  .openapi("DeskSla");

export const deskTicketSchema = z
  .object({
    id: z.string().openapi({ example: "tkt_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
    ticketNumber: z.string().openapi({ example: "10042" }),
    title: z.string(),
    status: z.enum(ticketStatuses),
    priority: z.enum(priorities),
    serviceType: z.enum(serviceTypes),
    channel: z.enum(ticketChannels),
    channelReferenceId: z.string().nullable(),
    customerId: z.string(),
    assignedTo: z
      .string()
      .nullable()
      .openapi({ description: "The assigned agent's name", example: "Rina Agent" }),
    assignedTeam: z
      .string()
      .nullable()
      .openapi({ description: "The team's name", example: "Card Operations" }),
    assignedUserId: z
      .string()
      .nullable()
      .openapi({ description: "The assigned agent, a user of the tenant", example: "usr_agent_007" }),
    assignedTeamId: z.string().nullable().openapi({
      description: "The assigned team; null also for the service's default team, which is a name",
      example: "team_cards",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
    sla: deskSlaSchema,
  })
  .openapi("DeskTicket");

export const deskCommentSchema = z
  .object({
    id: z.string(),
    content: z.string(),
    author: z.string().openapi({ description: "The author's name when they wrote" }),
    authorId: z.string().nullable().openapi({
      description: "The agent (a user of the tenant) who wrote; null for partners and customers",
    }),
    authorType: z.enum(commentAuthorTypes),
    isFromSupport: z.boolean(),
    isInternal: z.boolean().openapi({ description: "An agents' note: never shown to partners or customers" }),
    createdAt: z.string(),
    delivery: z
      .object({
        channel: z.enum(ticketChannels),
        status: z.enum(outboundStatuses).openapi({
          description:
            "pending, then sent (the provider accepted it), delivered or read when the provider reports it, or failed",
        }),
        error: z.string().nullable().openapi({ description: "The provider's reason, when it failed" }),
        updatedAt: z.string(),
      })
      .nullable()
      .openapi({
        description:
          "A reply on a ticket a customer opened on a channel (Telegram, SMS...) goes back there: how that went. Null for anything not sent on a channel (yet: a reply is picked up within moments of being written)",
      }),
  })
  .openapi("DeskTicketComment");

const claimSchema = z
  .object({
    namaNasabah: z.string(),
    mediaTransaksi: z.enum(mediaTransaksi),
    jenisTransaksi: z.enum(jenisTransaksi).nullable(),
    nominal: z.number(),
    nomorRekening: z.string().nullable(),
    nomorKartuMasked: z.string().nullable(),
    claimReason: z.string().nullable(),
    claimDate: isoOrNull,
    transactionId: z.string().nullable(),
    referenceNumber: z.string().nullable(),
    atmId: z.string().nullable(),
  })
  .openapi("DeskClaim");

export const deskTicketDetailSchema = deskTicketSchema
  .extend({
    description: z.string(),
    category: z.enum(ticketCategories).nullable(),
    currentAssignee: z.string().nullable(),
    firstResponseAt: isoOrNull,
    resolvedAt: isoOrNull,
    closedAt: isoOrNull,
    sla: deskSlaSchema.extend({ responseBreachedAt: isoOrNull, resolutionBreachedAt: isoOrNull }),
    service: z.object({ name: z.string(), supportGroup: z.string(), defaultTeam: z.string() }),
    branch: z.object({ code: z.string(), name: z.string().nullable() }).nullable(),
    customer: z
      .object({
        id: z.string(),
        name: z.string(),
        email: z.string().nullable(),
        phone: z.string().nullable(),
        identifier: z.string().nullable(),
      })
      .nullable(),
    claim: claimSchema.nullable().openapi({ description: "The KLAIM-OMNI fields; null unless a claim" }),
    comments: z.array(deskCommentSchema).openapi({
      description: "The newest comments (commentsLimit, default 50), oldest first",
    }),
    commentsNextCursor: z.string().nullable().openapi({
      description: "Pass as commentsCursor for the comments before these; null when there are none",
    }),
    attachments: z.array(
      z.object({
        id: z.string(),
        filename: z.string(),
        size: z.number(),
        mimeType: z.string(),
        description: z.string().nullable(),
        uploadedAt: z.string(),
        downloadUrl: z.string(),
      }),
    ),
    metadata: z.record(z.string(), z.unknown()),
    partnerId: z.string().nullable(),
    webhookConfigured: z.boolean().openapi({
      description: "Whether the partner registered a webhook for this ticket (the URL stays private)",
    }),
  })
  .openapi("DeskTicketDetail");

/** A list's total is counted up to this many tickets; the sidebar's counts are exact. */
export const deskTotalCap = 1_000;

export const deskTicketList = z
  .object({
    data: z.array(deskTicketSchema),
    nextCursor: z.string().nullable().openapi({
      description: "Pass as `cursor` for the next (older) page; null on the last page",
      example: "MjAyNi0xMS0zMFQxMDozMzozMC45MzM1NTFafHRrdF8wMTlhOGY",
    }),
    pagination: paginationSchema
      .extend({
        total: z
          .number()
          .int()
          .openapi({
            description: `Tickets that match, counted up to ${deskTotalCap} (a capped count, not a scan): when totalIsCapped, at least that many. Exact counts per status and assignee: GET /api/v1/desk/ticket-counts`,
          }),
        totalIsCapped: z.boolean().openapi({ description: `More than ${deskTotalCap} tickets match` }),
      })
      .optional()
      .openapi("DeskPagination", {
        description: "Page, size and a capped total; absent on a page read by cursor",
      }),
  })
  .openapi("DeskTicketList");
