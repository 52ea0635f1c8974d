import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { principalOf } from "../auth/principal.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { ticketCountsOf } from "../tickets/counts.js";
import { ticketStatuses } from "../tickets/vocabulary.js";
import { type DeskDeps, deskTags as tags } from "./deps.js";

const byStatus = z
  .object(
    Object.fromEntries(ticketStatuses.map((s) => [s, z.number().int()])) as Record<
      (typeof ticketStatuses)[number],
      z.ZodNumber
    >,
  )
  .openapi("DeskStatusCounts");

export const deskTicketCountsSchema = z
  .object({
    total: z.number().int().openapi({ description: "All the tenant's tickets" }),
    byStatus,
    byAssignee: z.array(
      z.object({
        assignedUserId: z
          .string()
          .nullable()
          .openapi({ description: "null: tickets no agent is assigned to" }),
        assignedTo: z.string().nullable().openapi({ description: "The agent's name" }),
        total: z.number().int(),
        byStatus,
      }),
    ),
    byTeam: z.array(
      z.object({
        assignedTeam: z.string().nullable().openapi({ description: "The team's name; null: no team" }),
        total: z.number().int(),
        byStatus,
      }),
    ),
  })
  .openapi("DeskTicketCounts");

const countsRoute = createRoute({
  method: "get",
  path: "/api/v1/desk/ticket-counts",
  tags,
  security: apiKeySecurity,
  middleware: [requireScope("desk:read")],
  summary: "The queue sidebar: the tenant's tickets per status, by agent and by team (scope desk:read)",
  description:
    "Exact counts from counters, not a count of tickets: every statement that creates a ticket, or changes its status, agent or team, updates the counters in its own transaction, so the counts are those of the committed tickets and cost the same at a million tickets as at ten. Agents by their user id (assignedUserId); teams by name, the catalogue's default teams included.",
  responses: {
    200: { description: "The counts", content: json(z.object({ data: deskTicketCountsSchema })) },
    ...errorResponses("v1", [401, 403, 429]),
  },
});

export function registerDeskCountsRoute(app: OpenAPIHono<HubEnv>, deps: DeskDeps): void {
  app.openapi(countsRoute, async (c) => {
    const counts = await ticketCountsOf(deps.db, principalOf(c).tenantId);
    return c.json(
      {
        data: {
          total: counts.total,
          byStatus: counts.byStatus,
          byAssignee: counts.byUser.map((u) => ({
            assignedUserId: u.userId,
            assignedTo: u.name,
            total: u.total,
            byStatus: u.byStatus,
          })),
          byTeam: counts.byTeam.map((t) => ({ assignedTeam: t.team, total: t.total, byStatus: t.byStatus })),
        },
      },
      200,
    );
  });
}
