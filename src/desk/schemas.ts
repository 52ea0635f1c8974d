import { z } from "@hono/zod-openapi";
import { cursorParam, paginationQuery } from "../http/pagination.js";
import { requiredEnum, requiredText } from "../serviceDesk/fields.js";
import { priorities, serviceTypes, ticketChannels, ticketStatuses } from "../tickets/vocabulary.js";
import { staffId } from "../users/schemas.js";

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

/**
 * The deepest a page number reaches: OFFSET reads every ticket it skips, so a page number stops at
 * the 10,000th ticket; the cursor (nextCursor) pages on at the cost of the first page.
 */
export const maxPagedTickets = 10_000;

export const listQuery = paginationQuery({ perPage: 20, maxPerPage: 100 })
  .extend({
    cursor: cursorParam(
      "cursor",
      "Where the page starts: the nextCursor of the page before. Newest first; tickets created meanwhile never shift, repeat or hide the rest",
    ),
    status: listParam("status", ticketStatuses, "OPEN,IN_PROGRESS"),
    priority: listParam("priority", priorities, "HIGH,CRITICAL"),
    serviceType: listParam("serviceType", serviceTypes, "CARD_ISSUE"),
    channel: listParam("channel", ticketChannels, "WHATSAPP"),
    assignee: z.string().trim().max(200).optional().openapi({
      description: "The assigned agent or team, by id (usr_agent_007, team_cards) or by name",
      example: "team_cards",
    }),
    breached: z
      .enum(["true", "false"], { error: "breached must be true or false" })
      .optional()
      .openapi({ description: "Only tickets whose SLA is (true) or is not (false) breached" }),
    customerId: z.string().max(100).optional().openapi({ example: "cus_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
    q: z.string().trim().max(200).optional().openapi({ description: "Part of the title, any case" }),
  })
  .refine((q) => q.cursor === undefined || q.page === 1, {
    path: ["page"],
    message: "page and cursor cannot be used together: the cursor says where the page starts",
  })
  .refine((q) => q.page * q.perPage <= maxPagedTickets, {
    path: ["page"],
    message: `page × perPage must be at most ${maxPagedTickets}: page further with cursor (nextCursor)`,
  });

export const ticketNumberParam = z.object({
  ticketNumber: z
    .string()
    .max(20)
    .openapi({ param: { name: "ticketNumber", in: "path" }, example: "10042" }),
});

/** Users and teams are the tenant's own (src/users), by the bank's ids: unknown ones are refused. */
export const assignBody = z
  .object({
    assignedUserId: staffId("usr_agent_007", "assignedUserId").nullable().optional().openapi({
      description: "The agent: an active user of the tenant; null unassigns the agent",
    }),
    assignedTeamId: staffId("team_cards", "assignedTeamId").nullable().optional().openapi({
      description: "The team: a team of the tenant; null unassigns the team",
    }),
  })
  .refine((b) => b.assignedUserId !== undefined || b.assignedTeamId !== undefined, {
    path: ["assignedUserId"],
    message: "assignedUserId or assignedTeamId is required",
  })
  .openapi("DeskAssign");

export const commentBody = z
  .object({
    content: requiredText("content", 10_000).openapi({
      example: "We have reversed the debit; please check.",
    }),
    authorId: staffId("usr_agent_007", "authorId").openapi({
      description: "The agent writing: an active user of the tenant, whose name the comment shows",
    }),
  })
  .openapi("DeskComment");

export const statusBody = z
  .object({ status: requiredEnum("status", ticketStatuses).openapi({ example: "IN_PROGRESS" }) })
  .openapi("DeskStatusChange");
