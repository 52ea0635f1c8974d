import { z } from "@hono/zod-openapi";
import { notificationChannels } from "../customers/contactPoints.js";
import type { CustomerDetail } from "../customers/service.js";
import { type CustomerSessionRow, identityKinds } from "../db/schema/index.js";
import { jsonByteLength, maxInputDepth } from "../http/storableInput.js";
import { sessionChannels } from "./levels.js";

const iso = (d: Date | null) => d?.toISOString() ?? null;
const text = (max: number, example: string) =>
  z
    .string({ error: "must be a string" })
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .openapi({ example });

const pathId = (name: string, example: string) =>
  z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name, in: "path" }, example });
export const customerParam = z.object({
  customer_id: pathId("customer_id", "cus_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6"),
});
export const identityParam = customerParam.extend({
  identity_id: pathId("identity_id", "idn_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6"),
});
export const sessionParam = z.object({
  session_id: pathId("session_id", "sess_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6"),
});

export const channelSchema = z.enum(sessionChannels, {
  error: `must be one of ${sessionChannels.join(", ")}`,
});
const notificationChannelSchema = z.enum(notificationChannels, {
  error: `must be one of ${notificationChannels.join(", ")}`,
});
const kindSchema = z.enum(identityKinds, { error: `must be one of ${identityKinds.join(", ")}` });

const profileFields = {
  name: text(200, "John Doe"),
  branch_code: text(50, "JKT-001").optional(),
  department: text(200, "Retail").optional(),
  preferred_language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a language tag such as en or id-ID")
    .optional()
    .openapi({ example: "en" }),
  notification_channel: notificationChannelSchema.optional().openapi({ example: "PUSH" }),
  opt_outs: z
    .array(notificationChannelSchema)
    .max(10)
    .optional()
    .openapi({ example: ["SMS"] }),
};

const addressFields = {
  email: z.email("must be an e-mail address").max(254).optional().openapi({ example: "john@example.com" }),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()./-]{4,32}$/, "must be a phone number")
    .refine((p) => p.replace(/\D/g, "").length <= 15, "must have at most 15 digits (E.164)")
    .optional()
    .openapi({ example: "+44123456789" }),
};

export const identityInputSchema = z
  .object({
    kind: kindSchema.openapi({ example: "whatsapp" }),
    value: text(200, "+6281234567890"),
    verified: z.boolean().optional().openapi({ example: true }),
    verified_via: text(50, "otp").optional(),
  })
  .openapi("NewIdentity");

export const createCustomerSchema = z
  .object({
    ...profileFields,
    ...addressFields,
    identifier: text(100, "CIF-001234")
      .optional()
      .openapi({ description: "The bank's own customer id (CIF)" }),
    identities: z.array(identityInputSchema).max(20).optional(),
  })
  .superRefine((body, ctx) => {
    // A customer is at most one bank customer: `identifier` and identities of kind cif name one CIF.
    let cif = body.identifier;
    for (const [i, identity] of (body.identities ?? []).entries()) {
      if (identity.kind !== "cif") continue;
      cif ??= identity.value;
      if (identity.value !== cif)
        ctx.addIssue({
          code: "custom",
          path: ["identities", i, "value"],
          message: "a customer has one CIF: this differs from the CIF given before it",
        });
    }
  })
  .openapi("NewCustomer");

export const updateCustomerSchema = z
  .object({ ...profileFields, name: profileFields.name.optional(), ...addressFields })
  .openapi("CustomerChanges");

export const mergeSchema = z
  .object({
    survivor_id: text(100, "cus_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6"),
    merged_id: text(100, "cus_019a8f6e4b7c7d2e9f10a1b2c3d4e5f7"),
  })
  .openapi("CustomerMerge");

const identitySchema = z.object({
  identity_id: z.string(),
  kind: kindSchema,
  value: z.string(),
  verified: z.boolean(),
  verified_via: z.string().nullable(),
  verified_at: z.string().nullable(),
  created_at: z.string(),
});

export const customerSchema = z
  .object({
    customer_id: z.string().openapi({ example: "cus_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    identifier: z.string().nullable(),
    branch_code: z.string().nullable(),
    department: z.string().nullable(),
    preferred_language: z.string().nullable(),
    notification_channel: z.string().nullable(),
    opt_outs: z.array(z.string()),
    identities: z.array(identitySchema),
    possible_duplicates: z.array(z.object({ customer_id: z.string(), kind: kindSchema, value: z.string() })),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Customer");

export function customerView(c: CustomerDetail): z.infer<typeof customerSchema> {
  return {
    customer_id: c.id,
    name: c.name,
    email: c.email,
    phone: c.phone,
    identifier: c.identifier,
    branch_code: c.branchCode,
    department: c.department,
    preferred_language: c.preferredLanguage,
    notification_channel: c.notificationChannel,
    opt_outs: c.optOuts,
    identities: c.identities.map((i) => ({
      identity_id: i.id,
      kind: i.kind,
      value: i.value,
      verified: i.verified,
      verified_via: i.verifiedVia,
      verified_at: iso(i.verifiedAt),
      created_at: i.createdAt.toISOString(),
    })),
    possible_duplicates: c.possibleDuplicates.map((d) => ({
      customer_id: d.customerId,
      kind: d.kind,
      value: d.value,
    })),
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/** A session's or handoff's context is the application's own: capped as stored, like a ticket's metadata. */
const contextMaxBytes = 16 * 1024;
const contextSchema = z
  .record(z.string(), z.unknown(), { error: "must be an object" })
  .refine((c) => jsonByteLength(c) <= contextMaxBytes, `must be at most ${contextMaxBytes} bytes as JSON`)
  .openapi({
    description: `The application's own state: at most ${contextMaxBytes} bytes as JSON, within a request nested at most ${maxInputDepth} levels; no NUL characters or unpaired surrogates in its keys or strings`,
    example: { current_flow: "PAYMENT", transaction_draft_id: "draft_abc789" },
  });

export const openSessionSchema = z
  .object({
    customer_id: text(100, "cus_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6"),
    channel: channelSchema.openapi({ example: "WEB" }),
    device_id: text(200, "device_abc123").optional(),
    context: contextSchema.optional(),
  })
  .openapi("NewSession");

export const sessionSchema = z
  .object({
    session_id: z.string(),
    customer_id: z.string(),
    channel: z.string(),
    device_id: z.string().nullable(),
    status: z.enum(["active", "closed"]),
    context: z.record(z.string(), z.unknown()),
    resumed_from_handoff: z.string().nullable(),
    started_at: z.string(),
    last_active_at: z.string(),
    closed_at: z.string().nullable(),
    closed_reason: z.string().nullable(),
  })
  .openapi("Session");

export function sessionView(s: CustomerSessionRow): z.infer<typeof sessionSchema> {
  return {
    session_id: s.id,
    customer_id: s.customerId,
    channel: s.channel,
    device_id: s.deviceId,
    status: s.status,
    context: s.context,
    resumed_from_handoff: s.resumedFrom,
    started_at: s.startedAt.toISOString(),
    last_active_at: s.lastActiveAt.toISOString(),
    closed_at: iso(s.closedAt),
    closed_reason: s.closedReason,
  };
}

export const handoffSchema = z
  .object({
    source_session_id: text(100, "sess_web_123"),
    target_channel: channelSchema.openapi({ example: "MOBILE_IOS" }),
    context: contextSchema.optional(),
  })
  .openapi("HandoffRequest");

export const handoffAnswerSchema = z
  .object({
    handoff_token: z.string().openapi({ example: "ho_xyz123" }),
    expires_at: z.string().openapi({ example: "2024-01-15T10:35:00Z" }),
    target_channel: z.string().openapi({ example: "MOBILE_IOS" }),
    context_preserved: z.boolean().openapi({ example: true }),
  })
  .openapi("Handoff");

export const resumeSchema = z
  .object({
    handoff_token: text(200, "ho_xyz123"),
    channel: channelSchema.openapi({ example: "MOBILE_IOS" }),
    device_id: text(200, "device_abc123").optional(),
  })
  .openapi("ResumeRequest");

export const resumeAnswerSchema = z
  .object({
    session_id: z.string().openapi({ example: "sess_mobile_456" }),
    customer_id: z.string().openapi({ example: "cust_123456" }),
    context: z.record(z.string(), z.unknown()),
    handoff_complete: z.boolean().openapi({ example: true }),
  })
  .openapi("Resumed");

export const unifiedProfileSchema = z
  .object({
    customer_id: z.string().openapi({ example: "cust_123456" }),
    profile: z.object({ name: z.string(), email: z.string().nullable(), phone: z.string().nullable() }),
    channels: z.record(z.string(), z.object({ last_active: z.string(), sessions: z.number().int() })),
    preferences: z.object({
      notification_channel: z.string().nullable(),
      preferred_language: z.string().nullable(),
    }),
  })
  .openapi("UnifiedProfile");

export const analyticsQuerySchema = z.object({
  from: z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 date-time" })
    .optional()
    .openapi({ example: "2024-01-01T00:00:00Z" }),
  to: z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 date-time" })
    .optional()
    .openapi({ example: "2024-01-31T00:00:00Z" }),
});

export const channelAnalyticsSchema = z
  .object({
    channels: z.array(
      z.object({ channel: z.string(), active_users: z.number().int(), transactions: z.number().int() }),
    ),
    cross_channel_journeys: z.number().int(),
  })
  .openapi("ChannelAnalytics");
