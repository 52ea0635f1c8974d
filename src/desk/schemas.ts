import { z } from "@hono/zod-openapi";
import { paginationQuery } from "../http/pagination.js";
import { requiredEnum, requiredText } from "../serviceDesk/fields.js";
import { priorities, serviceTypes, ticketChannels, ticketStatuses } from "../tickets/vocabulary.js";

/** A comma-separated list of one vocabulary's values, e.g. ?status=OPEN,IN_PROGRESS. */
function listParam(name: string, values: readonly string[], example: string) {
  return z
    .string()
    .max(1000)
    .refine((raw) => splitList(raw).every((v) => values.includes(v)), {
      message: `${name} must be one or more of ${values.join(", ")}, comma separated`,
    })
    .optional()
    .openapi({ description: `One or more of ${values.join(", ")}, comma separated`, example });
}

export function splitList(raw: string): string[] {
  return raw
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export const listQuery = paginationQuery({ perPage: 20, maxPerPage: 100 }).extend({
  status: listParam("status", ticketStatuses, "OPEN,IN_PROGRESS"),
  priority: listParam("priority", priorities, "HIGH,CRITICAL"),
  serviceType: listParam("serviceType", serviceTypes, "CARD_ISSUE"),
  channel: listParam("channel", ticketChannels, "WHATSAPP"),
  assignee: z
    .string()
    .trim()
    .max(200)
    .optional()
    .openapi({ description: "The assigned agent or team", example: "Card Operations Team" }),
  breached: z
    .enum(["true", "false"], { error: "breached must be true or false" })
    .optional()
    .openapi({ description: "Only tickets whose SLA is (true) or is not (false) breached" }),
  customerId: z.string().max(100).optional().openapi({ example: "cus_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
  q: z.string().trim().max(200).optional().openapi({ description: "Part of the title, any case" }),
});

export const ticketNumberParam = z.object({
  ticketNumber: z
    .string()
    .max(20)
    .openapi({ param: { name: "ticketNumber", in: "path" }, example: "10042" }),
});

const assignee = (label: string) => requiredText(label, 200).nullable().optional();

export const assignBody = z
  .object({
    assignedTo: assignee("assignedTo").openapi({
      description: "The agent; null unassigns",
      example: "John Tech",
    }),
    assignedTeam: assignee("assignedTeam").openapi({
      description: "The team; null unassigns",
      example: "IT Support Team",
    }),
  })
  .refine((b) => b.assignedTo !== undefined || b.assignedTeam !== undefined, {
    path: ["assignedTo"],
    message: "assignedTo or assignedTeam is required",
  })
  .openapi("DeskAssign");

export const commentBody = z
  .object({
    content: requiredText("content", 10_000).openapi({
      example: "We have reversed the debit; please check.",
    }),
    author: requiredText("author", 200).openapi({
      description: "The agent writing",
      example: "Rina (Card Ops)",
    }),
  })
  .openapi("DeskComment");

export const statusBody = z
  .object({ status: requiredEnum("status", ticketStatuses).openapi({ example: "IN_PROGRESS" }) })
  .openapi("DeskStatusChange");
