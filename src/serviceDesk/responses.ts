import { z } from "@hono/zod-openapi";
import { priorities, ticketStatuses } from "../tickets/vocabulary.js";

const isoOrNull = z.string().nullable();

export const createdSchema = z
  .object({
    success: z.literal(true),
    ticketNumber: z.string().openapi({ example: "12345" }),
    ticketId: z.string().openapi({ example: "tkt_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
    status: z.literal("OPEN"),
    estimatedResolution: isoOrNull.openapi({ example: "2024-12-22T10:30:00.000Z" }),
    trackingUrl: z.string().openapi({ example: "/tickets/12345" }),
    message: z.string().openapi({ example: "KLAIM-OMNI ticket created successfully" }),
  })
  .openapi("ClaimCreated");

export const ticketCreatedSchema = createdSchema
  .extend({
    metadata: z.object({
      createdAt: z.string().openapi({ example: "2024-12-19T10:30:00.000Z" }),
      assignedTo: z.string().openapi({ example: "IT Support Team" }),
      supportGroup: z.string().openapi({ example: "Technical Support" }),
      slaHours: z.number().openapi({ example: 24 }),
    }),
  })
  .openapi("TicketCreated");

export const slaSchema = z
  .object({ responseDeadline: isoOrNull, resolutionDeadline: isoOrNull, isBreached: z.boolean() })
  .openapi("Sla");

const commentBase = {
  content: z.string(),
  author: z.string(),
  timestamp: z.string(),
};

export const ticketStatusSchema = z
  .object({
    ticketNumber: z.string().openapi({ example: "12346" }),
    status: z.enum(ticketStatuses),
    priority: z.enum(priorities),
    createdAt: z.string(),
    updatedAt: z.string(),
    resolvedAt: isoOrNull,
    closedAt: isoOrNull,
    currentAssignee: z.string().nullable().openapi({ example: "John Tech" }),
    lastComment: z.object(commentBase).nullable(),
    sla: slaSchema,
  })
  .openapi("TicketStatus");

export const ticketDetailSchema = ticketStatusSchema
  .omit({ lastComment: true })
  .extend({
    service: z.object({ name: z.string(), supportGroup: z.string() }),
    branch: z.object({ name: z.string().nullable(), code: z.string() }).nullable(),
    comments: z.array(z.object({ ...commentBase, isFromSupport: z.boolean() })).openapi({
      description: "The newest comments (at most commentsLimit, default 500), oldest first",
    }),
    commentsNextCursor: z.string().optional().openapi({
      description:
        "Extension: present only when older comments than these exist; pass as commentsCursor to read them",
    }),
    attachments: z.array(
      z.object({
        id: z.string(),
        filename: z.string(),
        size: z.number(),
        mimeType: z.string(),
        uploadedAt: z.string(),
        downloadUrl: z.string(),
      }),
    ),
    metadata: z.record(z.string(), z.unknown()),
  })
  .openapi("TicketDetail");

export const updatedSchema = z
  .object({
    success: z.literal(true),
    ticketNumber: z.string(),
    action: z.enum(["ADD_COMMENT", "UPDATE_STATUS", "ADD_ATTACHMENT"]),
    result: z.union([
      z.object({ comment: z.object({ id: z.string(), ...commentBase }) }),
      z.object({
        status: z.object({ oldStatus: z.enum(ticketStatuses), newStatus: z.enum(ticketStatuses) }),
      }),
      z.object({
        attachments: z.array(
          z.object({ id: z.string(), filename: z.string(), size: z.number(), uploadedAt: z.string() }),
        ),
      }),
    ]),
    message: z.literal("Ticket updated successfully"),
  })
  .openapi("TicketUpdated");
