import { actorOf, type Principal } from "../auth/principal.js";
import type { BlobStore } from "../blobs/store.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import { findTicket, type TicketRef } from "../tickets/queries.js";
import type { Staff, UpdateContext, UpdateFailure } from "../tickets/updates.js";
import { requireStaffNames, type StaffKind } from "../users/staff.js";

export type DeskDeps = { db: Database; blobs: BlobStore };

export const deskTags = ["Desk"];
export const ticketNotFound = () => errors.notFound("Ticket not found");

/**
 * Desk changes are made by agents: the agent the body names (a reply's or note's author) is the
 * recorded actor, else the key that made the change.
 */
export function agentContext(principal: Principal, agent?: Staff): UpdateContext {
  const actor = agent ? { type: "user" as const, id: agent.id } : actorOf(principal);
  return { tenantId: principal.tenantId, actor, by: "agent" };
}

type Named = { kind: StaffKind; id: string | null | undefined };
type Resolved<N extends Named> = N["id"] extends string ? Staff : Staff | null | undefined;

/**
 * The users and teams body fields name, by field, with their names: undefined where the field is
 * absent, null where it unassigns. The ticket is looked up first: one the tenant does not have is
 * a 404 before anything the body says. Then ids the tenant does not have, and users no longer
 * active, are one 400 naming every such field; the change itself refuses a closed ticket (409).
 */
export async function namedStaff<T extends Record<string, Named>>(
  db: Database,
  tenantId: string,
  ticket: TicketRef,
  named: T,
): Promise<{ [F in keyof T]: Resolved<T[F]> }> {
  if (!(await findTicket(db, tenantId, ticket))) throw ticketNotFound();
  const refs = Object.entries(named).flatMap(([field, { kind, id }]) =>
    typeof id === "string" ? [{ field, kind, id }] : [],
  );
  const names = await requireStaffNames(db, tenantId, refs);
  return Object.fromEntries(
    Object.entries(named).map(([field, { id }]) => [
      field,
      typeof id === "string" ? { id, name: names[field] as string } : id,
    ]),
  ) as { [F in keyof T]: Resolved<T[F]> };
}

/** The desk's answer to a change the ticket functions refused. */
export function refused(failure: UpdateFailure): never {
  switch (failure.reason) {
    case "not_found":
      throw ticketNotFound();
    case "ticket_final":
      throw errors.conflict(`Ticket is ${failure.status} and can no longer change`, {
        status: `Ticket is ${failure.status}`,
      });
    case "invalid_transition":
      throw errors.conflict("Invalid status transition", {
        status: `Cannot change status from ${failure.from} to ${failure.to}`,
      });
  }
}
