import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { teams, users } from "../db/schema/index.js";
import { errors } from "../errors.js";

/** Who a request may name as staff: one of the tenant's users, or one of its teams. */
export type StaffKind = "user" | "team";

/** A user or team a request names, and the request field that names them (for the error). */
export type StaffReference = { field: string; kind: StaffKind; id: string };

/**
 * Whether a named user or team can act, as the staff checks read it: true for an active user or
 * any team (teams have no active flag), false for a user no longer active, null for an id the
 * tenant does not have.
 */
export type StaffState = boolean | null;

/** Why a reference is refused, or undefined when its state lets it act. */
export function staffProblem(
  ref: Pick<StaffReference, "kind" | "id">,
  state: StaffState,
): string | undefined {
  if (state === true) return undefined;
  if (state === false) return `user ${ref.id} is not active`;
  return `unknown ${ref.kind} ${ref.id}`;
}

/**
 * The same check as a scalar SQL expression (a StaffState), for a statement that checks the staff
 * it names in the round trip that acts on it (the Rail's journey actions). `id` NULL names nobody
 * and reads true. The kind is `'user'` or `'team'`.
 */
export function staffStateSql(tenantId: SQL, kind: SQL, id: SQL): SQL {
  return sql`CASE
    WHEN ${id}::text IS NULL THEN true
    WHEN ${kind}::text = 'team' THEN (SELECT true FROM ${teams} WHERE ${teams.tenantId} = ${tenantId}::text AND ${teams.id} = ${id}::text)
    ELSE (SELECT ${users.active} FROM ${users} WHERE ${users.tenantId} = ${tenantId}::text AND ${users.id} = ${id}::text)
  END`;
}

/**
 * The names of the users and teams a request names, by field; refuses the request when any is not
 * the tenant's or is a user no longer active, with one validation error naming every such field.
 */
export async function requireStaffNames(
  db: Database | Tx,
  tenantId: string,
  refs: readonly StaffReference[],
): Promise<Record<string, string>> {
  const ids = (kind: StaffKind) => [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))];
  const userIds = ids("user");
  const teamIds = ids("team");
  const [userRows, teamRows] = await Promise.all([
    userIds.length === 0
      ? []
      : db
          .select({ id: users.id, name: users.name, active: users.active })
          .from(users)
          .where(and(eq(users.tenantId, tenantId), inArray(users.id, userIds))),
    teamIds.length === 0
      ? []
      : db
          .select({ id: teams.id, name: teams.name })
          .from(teams)
          .where(and(eq(teams.tenantId, tenantId), inArray(teams.id, teamIds))),
  ]);
  const known = {
    user: new Map(userRows.map((u) => [u.id, u])),
    team: new Map(teamRows.map((t) => [t.id, { ...t, active: true }])),
  };
  const names: Record<string, string> = {};
  const problems: Record<string, string> = {};
  const refused = new Set<StaffKind>();
  for (const ref of refs) {
    const found = known[ref.kind].get(ref.id);
    const problem = staffProblem(ref, found ? found.active : null);
    if (problem) {
      problems[ref.field] = problem;
      refused.add(ref.kind);
    } else if (found) names[ref.field] = found.name;
  }
  if (refused.size > 0) throw errors.validation(problems, staffRefusalMessage(refused));
  return names;
}

function staffRefusalMessage(kinds: ReadonlySet<StaffKind>): string {
  if (!kinds.has("team")) return "Unknown or inactive user";
  return kinds.has("user") ? "Unknown or inactive user or team" : "Unknown team";
}
