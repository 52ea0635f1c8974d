import { actorOf, type Principal } from "../auth/principal.js";
import type { BlobStore } from "../blobs/store.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { UpdateContext, UpdateFailure } from "../tickets/updates.js";

export type DeskDeps = { db: Database; blobs: BlobStore };

export const deskTags = ["Desk"];
export const ticketNotFound = () => errors.notFound("Ticket not found");

/** Desk changes are made by agents; the key that made them is the recorded actor. */
export function agentContext(principal: Principal): UpdateContext {
  return { tenantId: principal.tenantId, actor: actorOf(principal), by: "agent" };
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
