import { and, eq, ne } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { tickets } from "../db/schema/index.js";
import { maskCardNumbers } from "../privacy/cardNumbers.js";

/**
 * Keeps the names partners see current when a user or team is renamed: every ticket of the tenant
 * assigned to them takes the new name, in the caller's transaction (the rename's). Comments keep
 * the name their author wrote under.
 */
export async function renameAssignee(
  tx: Tx,
  tenantId: string,
  staff: { kind: "user" | "team"; id: string; name: string },
): Promise<void> {
  const name = maskCardNumbers(staff.name);
  if (staff.kind === "user") {
    await tx
      .update(tickets)
      .set({ assignedTo: name })
      .where(
        and(
          eq(tickets.tenantId, tenantId),
          eq(tickets.assignedUserId, staff.id),
          ne(tickets.assignedTo, name),
        ),
      );
  } else {
    await tx
      .update(tickets)
      .set({ assignedTeam: name })
      .where(
        and(
          eq(tickets.tenantId, tenantId),
          eq(tickets.assignedTeamId, staff.id),
          ne(tickets.assignedTeam, name),
        ),
      );
  }
}
