import { sql } from "drizzle-orm";
import { statementTemplate } from "../db/client.js";
import { eventInsertSql } from "../events/writer.js";

/**
 * A handoff and a resume each as one statement: the rows they lock, write and record as events in
 * one round trip, which a single statement makes one transaction. As a transaction of a read, two
 * or three writes and an event they were six round trips each, holding a pooled connection
 * throughout. Locking is unchanged: the statement locks the source session (handoff) or the
 * token's row (resume) first, so concurrent resumes of one token queue on that row, and the one
 * that waited sees it resumed.
 */

/**
 * Values: `h` (id, tenant, source, hash, target, context (JSON or null: the source's), expires, at)
 * and `he` (the event's, eventInsertValues). Answers the source's status and, when the handoff was
 * written, its context; no row when the tenant has no such session.
 */
export const handoffStatement = statementTemplate(
  "session_handoff_v1",
  (p) => sql`WITH source AS (
    SELECT id, customer_id, channel, status, context FROM customer_sessions
    WHERE tenant_id = ${p.h_tenant}::text AND id = ${p.h_source}::text
    FOR UPDATE
  ),
  handoff AS (
    INSERT INTO session_handoffs (id, tenant_id, token_hash, customer_id, source_session_id, target_channel, context, expires_at, created_at)
    SELECT ${p.h_id}::text, ${p.h_tenant}::text, ${p.h_hash}::text, source.customer_id, source.id,
      ${p.h_target}::text, COALESCE(${p.h_context}::jsonb, source.context), ${p.h_expires}::timestamptz,
      ${p.h_at}::timestamptz
    FROM source WHERE source.status = 'active'
    RETURNING context
  ),
  handed AS (
    SELECT source.id, source.customer_id, source.channel FROM source WHERE EXISTS (SELECT 1 FROM handoff)
  ),
  touched AS (
    UPDATE customer_sessions SET last_active_at = ${p.h_at}::timestamptz
    FROM handed WHERE customer_sessions.id = handed.id
  ),
  requested AS (
    ${eventInsertSql("he", p, { cte: "handed", customerId: sql`handed.customer_id`, channel: sql`handed.channel` })}
  )
  SELECT source.status, handoff.context FROM source LEFT JOIN handoff ON true`,
);

/**
 * Values: `r` (hash, tenant, channel, session (the new session's id), device, at) and `re` (the
 * event's). Answers, when the token exists, its tenant, whether it was used, its expiry and target
 * channel, and the new session when the resume was written; no row for an unknown token. The token
 * is looked up across tenants on purpose: another tenant's token gets its own answer.
 */
export const resumeStatement = statementTemplate(
  "session_resume_v1",
  (p) => sql`WITH handoff AS (
    SELECT id, tenant_id, customer_id, source_session_id, target_channel, context, expires_at, resumed_at
    FROM session_handoffs WHERE token_hash = ${p.r_hash}::text
    FOR UPDATE
  ),
  usable AS (
    SELECT * FROM handoff
    WHERE tenant_id = ${p.r_tenant}::text AND resumed_at IS NULL
      AND expires_at > ${p.r_at}::timestamptz AND target_channel = ${p.r_channel}::text
  ),
  session AS (
    INSERT INTO customer_sessions (id, tenant_id, customer_id, channel, device_id, status, context, resumed_from, started_at, last_active_at)
    SELECT ${p.r_session}::text, usable.tenant_id, usable.customer_id, ${p.r_channel}::text, ${p.r_device}::text,
      'active', usable.context, usable.id, ${p.r_at}::timestamptz, ${p.r_at}::timestamptz
    FROM usable
    RETURNING *
  ),
  marked AS (
    UPDATE session_handoffs SET resumed_at = ${p.r_at}::timestamptz, resumed_session_id = ${p.r_session}::text
    FROM usable WHERE session_handoffs.id = usable.id
  ),
  source_closed AS (
    UPDATE customer_sessions
    SET status = 'closed', closed_at = ${p.r_at}::timestamptz, closed_reason = 'handed_off'
    FROM usable
    WHERE customer_sessions.id = usable.source_session_id AND customer_sessions.status = 'active'
  ),
  resumed AS (
    SELECT session.id, session.customer_id, usable.id AS handoff_id, usable.source_session_id
    FROM session, usable
  ),
  completed AS (
    ${eventInsertSql("re", p, {
      cte: "resumed",
      customerId: sql`resumed.customer_id`,
      extraPayload: sql`jsonb_build_object('handoffId', resumed.handoff_id, 'sourceSessionId', resumed.source_session_id)`,
    })}
  )
  SELECT handoff.tenant_id, handoff.resumed_at IS NOT NULL AS used, handoff.expires_at,
    handoff.target_channel, session.id AS session_id, session.customer_id, session.channel,
    session.device_id, session.status, session.context, session.resumed_from, session.started_at,
    session.last_active_at, session.closed_at, session.closed_reason
  FROM handoff LEFT JOIN session ON true`,
);
