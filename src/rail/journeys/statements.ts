import { getTableColumns, type SQL, sql } from "drizzle-orm";
import { type StatementParams, statementTemplate } from "../../db/client.js";
import { type JourneyRow, journeys } from "../../db/schema/index.js";
import { staffStateSql } from "../../users/staff.js";
import { journeyEventSql } from "./events.js";
import type { ApprovalGate } from "./ports.js";

/*
 * Each journey write is one statement: one round trip and one transaction, which locks the journey
 * row, checks the staff it names, the lifecycle and the step, writes the change (and the step
 * history), and writes its event, or writes nothing and says why. The statuses an action starts
 * from and moves to come from lifecycle.ts as parameters; the step rules read the journey's
 * template version inside the statement (its `steps` jsonb), since the version is only known once
 * the row is read. Parameter groups: `a` the action, `h` the history row, `e` the event
 * (eventInsertValues), `c` a new journey.
 *
 * Concurrency: `FOR UPDATE` waits for a concurrent action on the same journey to commit, then reads
 * the row as it left it (READ COMMITTED re-reads a row it waited for); the checks then see the
 * other action's result, so of two advances of one step the second finds the step moved on (409).
 */

/** What one action adds to the shared statement. Every part reads the CTEs named below. */
type ActionParts = {
  /** CASE arms after the status check, over `j` (the locked journey, its `steps` and current `step`). */
  refusals?: SQL;
  /** The action's SET columns, over `ok` (the journey as locked, checks passed). */
  set: SQL;
  /** Extra RETURNING columns, `r_...`: over journeys (the new row) and `ok` (the old one). */
  returning?: SQL;
  /** CTEs written beside the update, each `, name AS (...)`, over `ok`. */
  writes?: SQL;
  /** The event's payload beyond what the caller knows: jsonb over `moved`. */
  payload: SQL;
  /** Extra answer columns, `r_...`, over `checked`: what a refusal says beyond its reason. */
  detail?: SQL;
};

function actionSql(p: StatementParams, parts: ActionParts): SQL {
  return sql`WITH j AS (
      SELECT jr.*, v.steps, v.steps -> jr.current_step_index AS step
      FROM journeys jr
      JOIN journey_template_versions v
        ON v.tenant_id = jr.tenant_id AND v.template_id = jr.template_id AND v.version = jr.template_version
      WHERE jr.tenant_id = ${p.a_tenant}::text AND jr.id = ${p.a_id}::text
      FOR UPDATE OF jr
    ),
    staff AS (SELECT ${staffStateSql(sql`${p.a_tenant}`, sql`${p.a_staff_kind}`, sql`${p.a_staff}`)} AS state),
    checked AS (
      SELECT j.*, CASE
        WHEN NOT (j.status = ANY (string_to_array(${p.a_allowed}::text, ','))) THEN 'invalid_move'
        ${parts.refusals ?? sql``}
      END AS refusal
      FROM j
    ),
    ok AS (SELECT checked.* FROM checked, staff WHERE checked.refusal IS NULL AND staff.state IS TRUE)
    ${parts.writes ?? sql``},
    moved AS (
      UPDATE journeys SET ${parts.set}, updated_at = ${p.a_now}::timestamptz
      FROM ok WHERE journeys.tenant_id = ok.tenant_id AND journeys.id = ok.id
      RETURNING journeys.*, ok.status AS r_from_status, jsonb_array_length(ok.steps) AS r_total_steps
        ${parts.returning ?? sql``}
    ),
    event AS (${journeyEventSql("e", p, "moved", parts.payload)})
    SELECT staff.state AS r_staff, checked.status AS r_status, checked.refusal AS r_refusal,
      checked.step ->> 'id' AS r_current_step_id ${parts.detail ?? sql``}, moved.*
    FROM staff LEFT JOIN checked ON true LEFT JOIN moved ON true`;
}

/** `a_moves`: the outcome moves the journey on (passed, skipped); failed records the attempt only. */
const moves = (p: StatementParams) => sql`${p.a_moves}::boolean`;

function advanceSql(p: StatementParams, gate: ApprovalGate): SQL {
  return actionSql(p, {
    refusals: sql`
      WHEN j.step IS NULL THEN 'no_current_step'
      WHEN j.step ->> 'id' <> ${p.a_step}::text THEN 'not_current_step'
      WHEN ${p.a_outcome}::text = 'skipped' AND (j.step ->> 'required')::boolean THEN 'required_step_skipped'
      WHEN ${p.a_outcome}::text = 'passed' AND j.step ->> 'type' = 'approval'
        AND NOT ${gate.approvedSql(sql`j.tenant_id`, sql`j.id`)} THEN 'approval_missing'`,
    writes: sql`, history AS (
      INSERT INTO journey_step_history (id, tenant_id, journey_id, step_id, step_index, outcome, step_data, advanced_by, advanced_at)
      SELECT ${p.h_id}::text, ok.tenant_id, ok.id, ok.step ->> 'id', ok.current_step_index, ${p.a_outcome}::text,
        ${p.h_data}::jsonb, ${p.a_staff}::text, ${p.a_now}::timestamptz
      FROM ok
    )`,
    set: sql`status = CASE WHEN ${moves(p)} THEN ${p.a_next}::text ELSE ok.status END,
      current_step_index = ok.current_step_index + CASE WHEN ${moves(p)} THEN 1 ELSE 0 END,
      completed_steps = ok.completed_steps + CASE WHEN ${moves(p)} THEN 1 ELSE 0 END,
      step_due_at = CASE WHEN ${moves(p)}
        THEN ${p.a_now}::timestamptz + ((ok.steps -> (ok.current_step_index + 1)) ->> 'timeoutHours')::int * interval '1 hour'
        ELSE ok.step_due_at END,
      step_overdue_at = CASE WHEN ${moves(p)} THEN NULL ELSE ok.step_overdue_at END`,
    // After the update the current step is the next one, or the same one after a failure.
    returning: sql`, ok.current_step_index AS r_step_index,
      ok.steps -> journeys.current_step_index ->> 'id' AS r_next_step_id`,
    payload: sql`jsonb_build_object('stepIndex', moved.r_step_index, 'fromStatus', moved.r_from_status,
      'status', moved.status, 'currentStepIndex', moved.current_step_index, 'nextStepId', moved.r_next_step_id,
      'completedSteps', moved.completed_steps, 'totalSteps', moved.r_total_steps)`,
  });
}

function assignSql(p: StatementParams): SQL {
  return actionSql(p, {
    set: sql`status = ${p.a_next}::text, assignee_id = ${p.a_staff}::text, assignee_type = ${p.a_staff_kind}::text,
      assignment_reason = ${p.a_reason}::text`,
    returning: sql`, ok.assignee_id AS r_previous_assignee_id`,
    payload: sql`jsonb_build_object('previousAssigneeId', moved.r_previous_assignee_id, 'fromStatus', moved.r_from_status)`,
  });
}

/** The required steps from the current one on (`n` counts from 1, the index from 0). */
const requiredStepsLeft = (row: string) =>
  sql`FROM jsonb_array_elements(${sql.identifier(row)}.steps) WITH ORDINALITY s(step, n)
    WHERE s.n > ${sql.identifier(row)}.current_step_index AND (s.step ->> 'required')::boolean`;

function completeSql(p: StatementParams): SQL {
  return actionSql(p, {
    refusals: sql`WHEN EXISTS (SELECT 1 ${requiredStepsLeft("j")}) THEN 'required_steps_left'`,
    detail: sql`, (SELECT array_agg(s.step ->> 'id' ORDER BY s.n) ${requiredStepsLeft("checked")}) AS r_steps_left`,
    set: sql`status = ${p.a_next}::text, completion_notes = ${p.a_notes}::text, completed_by = ${p.a_staff}::text,
      outcome = ${p.a_outcome}::text`,
    payload: sql`jsonb_build_object('outcome', moved.outcome, 'completedSteps', moved.completed_steps,
      'totalSteps', moved.r_total_steps)`,
  });
}

function cancelSql(p: StatementParams): SQL {
  return actionSql(p, {
    set: sql`status = ${p.a_next}::text, cancellation_reason = ${p.a_reason}::text, cancelled_by = ${p.a_staff}::text`,
    payload: sql`jsonb_build_object('fromStatus', moved.r_from_status, 'currentStepIndex', moved.current_step_index)`,
  });
}

/**
 * A new journey on the current version of an active template, at its first step, with its event;
 * or nothing, with the template's status (null: no such template) and the assignee's staff state.
 */
function createSql(p: StatementParams): SQL {
  return sql`WITH tv AS (
      SELECT t.status AS template_status, v.template_id, v.version, v.steps, v.sla_hours
      FROM journey_templates t
      JOIN journey_template_versions v
        ON v.tenant_id = t.tenant_id AND v.template_id = t.id AND v.version = t.current_version
      WHERE t.tenant_id = ${p.c_tenant}::text AND t.id = ${p.c_template}::text
    ),
    staff AS (SELECT ${staffStateSql(sql`${p.c_tenant}`, sql`'user'`, sql`${p.c_assignee}`)} AS state),
    created AS (
      INSERT INTO journeys (id, tenant_id, template_id, template_version, customer_id, channel, context,
        assignee_id, assignee_type, priority, due_at, step_due_at, sla_due_at, created_at, updated_at)
      SELECT ${p.c_id}::text, ${p.c_tenant}::text, tv.template_id, tv.version, ${p.c_customer}::text,
        ${p.c_channel}::text, ${p.c_context}::jsonb, ${p.c_assignee}::text,
        CASE WHEN ${p.c_assignee}::text IS NULL THEN NULL ELSE 'user' END, ${p.c_priority}::text,
        ${p.c_due}::timestamptz,
        ${p.c_now}::timestamptz + ((tv.steps -> 0) ->> 'timeoutHours')::int * interval '1 hour',
        ${p.c_now}::timestamptz + tv.sla_hours * interval '1 hour',
        ${p.c_now}::timestamptz, ${p.c_now}::timestamptz
      FROM tv, staff
      -- Journeys start from active templates only.
      WHERE tv.template_status = 'active' AND staff.state IS TRUE
      RETURNING *
    ),
    event AS (${journeyEventSql(
      "e",
      p,
      "created",
      sql`jsonb_build_object('templateVersion', created.template_version,
        'totalSteps', (SELECT jsonb_array_length(tv.steps) FROM tv))`,
    )})
    SELECT staff.state AS r_staff, tv.template_status AS r_template_status, created.*
    FROM staff LEFT JOIN tv ON true LEFT JOIN created ON true`;
}

/** What an action's statement answers: why it refused, or the journey as it left it. */
export type ActionAnswer = {
  r_staff: boolean | null;
  /** The journey's status before the action; null: no such journey. */
  r_status: string | null;
  r_refusal: string | null;
  r_current_step_id: string | null;
  r_steps_left?: string[] | null;
  /** Set when the action was done (the journeys columns follow). */
  id: string | null;
};

export type CreateAnswer = { r_staff: boolean | null; r_template_status: string | null; id: string | null };

export const journeyStatements = {
  create: statementTemplate("journey_create_v1", createSql),
  assign: statementTemplate("journey_assign_v1", assignSql),
  complete: statementTemplate("journey_complete_v1", completeSql),
  cancel: statementTemplate("journey_cancel_v1", cancelSql),
};

const advanceByGate = new WeakMap<ApprovalGate, ReturnType<typeof statementTemplate>>();
let gates = 0;

/** The advance statement reads the approval gate's SQL: one statement (and name) per gate. */
export function advanceStatement(gate: ApprovalGate) {
  let statement = advanceByGate.get(gate);
  if (!statement) {
    statement = statementTemplate(`journey_advance_v1_${gates++}`, (p) => advanceSql(p, gate));
    advanceByGate.set(gate, statement);
  }
  return statement;
}

const columns = Object.entries(getTableColumns(journeys));

/** The journey columns of a statement's answer, as drizzle reads them. */
export function journeyRowOf(raw: Record<string, unknown>): JourneyRow {
  return Object.fromEntries(
    columns.map(([key, column]) => {
      const value = raw[column.name];
      return [key, value === null || value === undefined ? null : column.mapFromDriverValue(value)];
    }),
  ) as JourneyRow;
}
