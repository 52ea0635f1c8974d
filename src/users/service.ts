import { and, asc, count, eq, getTableColumns, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { type TeamRow, teams, type UserRow, users } from "../db/schema/index.js";
import { errors } from "../errors.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import { renameAssignee } from "../tickets/assignees.js";
import { requireStaffNames } from "./staff.js";

type Reader = Database | Tx;

// An upsert's row is new when no earlier version of it exists (PostgreSQL's xmax is 0 for a fresh insert).
const insertedNow = sql<boolean>`(xmax = 0)`;

export type TeamInput = { name: string };
export type UserInput = {
  name: string;
  role: string;
  teamId?: string | null | undefined;
  /** The user's work e-mail address, lower-cased; absent or null: none. */
  email?: string | null | undefined;
  active?: boolean | undefined;
};
export type UserFilter = { teamId?: string | undefined; role?: string | undefined };

/**
 * Creates a team or renames it. Answers the row and whether it is new. Tickets assigned to the
 * team show its new name from the same commit.
 */
export async function saveTeam(db: Database, tenantId: string, id: string, input: TeamInput) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(teams)
      .values({ tenantId, id, name: input.name })
      .onConflictDoUpdate({
        target: [teams.tenantId, teams.id],
        set: { name: input.name, updatedAt: sql`now()` },
      })
      .returning({ ...getTableColumns(teams), created: insertedNow });
    if (!row) throw new Error("saveTeam: no row returned");
    const { created, ...team } = row;
    if (!created) await renameAssignee(tx, tenantId, { kind: "team", id, name: team.name });
    return { team, created };
  });
}

export function listTeams(db: Reader, tenantId: string): Promise<TeamRow[]> {
  return db.select().from(teams).where(eq(teams.tenantId, tenantId)).orderBy(asc(teams.id));
}

/**
 * Creates a user or replaces their name, role, team and active flag. A team must exist first
 * (else a validation error naming teamId), so "team" always names a real team. Tickets assigned
 * to the user show a new name from the same commit.
 */
export async function saveUser(db: Database, tenantId: string, id: string, input: UserInput) {
  return db.transaction(async (tx) => {
    const teamId = input.teamId ?? null;
    if (teamId !== null) {
      const [team] = await tx
        .select({ id: teams.id })
        .from(teams)
        .where(and(eq(teams.tenantId, tenantId), eq(teams.id, teamId)))
        .for("share");
      if (!team) throw errors.validation({ teamId: `unknown team ${teamId}` });
    }
    const values = {
      name: input.name,
      role: input.role,
      teamId,
      email: input.email ?? null,
      active: input.active ?? true,
    };
    const [row] = await tx
      .insert(users)
      .values({ tenantId, id, ...values })
      .onConflictDoUpdate({ target: [users.tenantId, users.id], set: { ...values, updatedAt: sql`now()` } })
      .returning({ ...getTableColumns(users), created: insertedNow });
    if (!row) throw new Error("saveUser: no row returned");
    const { created, ...user } = row;
    if (!created) await renameAssignee(tx, tenantId, { kind: "user", id, name: user.name });
    return { user, created };
  });
}

export async function findUser(db: Reader, tenantId: string, id: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.id, id)));
  return row;
}

export async function listUsers(db: Reader, tenantId: string, filter: UserFilter, page: PageRequest) {
  const where = and(
    eq(users.tenantId, tenantId),
    filter.teamId ? eq(users.teamId, filter.teamId) : undefined,
    filter.role ? eq(users.role, filter.role) : undefined,
  );
  const { limit, offset } = pageWindow(page);
  const [items, totals] = await Promise.all([
    db.select().from(users).where(where).orderBy(asc(users.id)).limit(limit).offset(offset),
    db.select({ n: count() }).from(users).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0 };
}

/** A user a request names, and the request field that names them (for the error). */
export type UserReference = { field: string; userId: string };

/**
 * Refuses a request that names a user the tenant does not have, or one no longer active: one
 * validation error naming every such field (the staff check of src/users/staff.ts, for users).
 */
export async function requireActiveUsers(db: Reader, tenantId: string, refs: readonly UserReference[]) {
  await requireStaffNames(
    db,
    tenantId,
    refs.map((r) => ({ field: r.field, kind: "user" as const, id: r.userId })),
  );
}
