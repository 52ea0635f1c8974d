import type { z } from "@hono/zod-openapi";
import type { ServiceEntry } from "../catalogue/defaults.js";
import type { AttachmentRow, ClaimRow, CommentRow, CustomerRow, TicketRow } from "../db/schema/index.js";
import type { ReplyDelivery } from "../inbound/deliveries.js";
import { currentAssignee, iso, slaView } from "../tickets/views.js";
import type { deskCommentSchema, deskTicketDetailSchema, deskTicketSchema } from "./responses.js";

export function deskTicketView(ticket: TicketRow, now: Date): z.infer<typeof deskTicketSchema> {
  return {
    id: ticket.id,
    ticketNumber: String(ticket.number),
    title: ticket.title,
    status: ticket.status,
    priority: ticket.priority,
    serviceType: ticket.serviceType,
    channel: ticket.channel,
    channelReferenceId: ticket.channelReferenceId,
    customerId: ticket.customerId,
    assignedTo: ticket.assignedTo,
    assignedTeam: ticket.assignedTeam,
    assignedUserId: ticket.assignedUserId,
    assignedTeamId: ticket.assignedTeamId,
    createdAt: ticket.createdAt.toISOString(),
    updatedAt: ticket.updatedAt.toISOString(),
    sla: { ...slaView(ticket, now), paused: ticket.slaPaused },
  };
}

export function deskCommentView(
  comment: CommentRow,
  delivery: ReplyDelivery | undefined,
): z.infer<typeof deskCommentSchema> {
  return {
    id: comment.id,
    content: comment.content,
    author: comment.authorName,
    authorId: comment.authorUserId,
    authorType: comment.authorType,
    isFromSupport: comment.isFromSupport,
    isInternal: comment.isInternal,
    createdAt: comment.createdAt.toISOString(),
    delivery: delivery ?? null,
  };
}

function claimView(claim: ClaimRow) {
  const { ticketId: _ticketId, tenantId: _tenantId, claimDate, ...fields } = claim;
  return { ...fields, claimDate: iso(claimDate) };
}

export type DeskTicketParts = {
  service: ServiceEntry;
  branchName: string | undefined;
  customer: CustomerRow | undefined;
  claim: ClaimRow | undefined;
  /** A page of the comments, oldest first, and the cursor to the ones before it (null: none). */
  comments: readonly CommentRow[];
  commentsNextCursor: string | null;
  attachments: readonly AttachmentRow[];
  /** Replies sent on the customer's channel (tickets a conversation opened), by comment id. */
  deliveries: ReadonlyMap<string, ReplyDelivery>;
};

/** Everything an agent sees of a ticket: internal notes, the customer's contact data and the claim. */
export function deskTicketDetailView(
  ticket: TicketRow,
  parts: DeskTicketParts,
  now: Date,
): z.infer<typeof deskTicketDetailSchema> {
  const summary = deskTicketView(ticket, now);
  const { customer } = parts;
  return {
    ...summary,
    description: ticket.description,
    category: ticket.category,
    currentAssignee: currentAssignee(ticket),
    firstResponseAt: iso(ticket.firstResponseAt),
    resolvedAt: iso(ticket.resolvedAt),
    closedAt: iso(ticket.closedAt),
    sla: {
      ...summary.sla,
      responseBreachedAt: iso(ticket.responseBreachedAt),
      resolutionBreachedAt: iso(ticket.resolutionBreachedAt),
    },
    service: parts.service,
    branch: ticket.branchCode ? { code: ticket.branchCode, name: parts.branchName ?? null } : null,
    customer: customer
      ? {
          id: customer.id,
          name: customer.name,
          email: customer.email,
          phone: customer.phone,
          identifier: customer.identifier,
        }
      : null,
    claim: parts.claim ? claimView(parts.claim) : null,
    comments: parts.comments.map((comment) => deskCommentView(comment, parts.deliveries.get(comment.id))),
    commentsNextCursor: parts.commentsNextCursor,
    attachments: parts.attachments.map((f) => ({
      id: f.id,
      filename: f.filename,
      size: f.size,
      mimeType: f.mimeType,
      description: f.description,
      uploadedAt: f.uploadedAt.toISOString(),
      downloadUrl: `/api/v1/desk/tickets/${summary.ticketNumber}/attachments/${f.id}`,
    })),
    metadata: ticket.metadata,
    partnerId: ticket.partnerId,
    webhookConfigured: ticket.webhookUrl !== null,
  };
}
