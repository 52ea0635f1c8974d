import { z } from "@hono/zod-openapi";
import { paginationQuery, paginationSchema } from "../http/pagination.js";
import {
  isoDateTime,
  optionalEnum,
  optionalText,
  requiredEnum,
  requiredText,
} from "../serviceDesk/fields.js";
import { staffId } from "../users/schemas.js";
import {
  assigneeTypes,
  completionOutcomes,
  journeyPriorities,
  journeyStatuses,
  stepOutcomes,
} from "./journeys/vocabulary.js";
import { stepTypes } from "./templates/vocabulary.js";

/** Ids of other records a body names (ent_customer_456, step_kyc); users and teams are staffId. */
const reference = (label: string) =>
  z
    .string({ error: (i) => (i.input === undefined ? `${label} is required` : `${label} must be a string`) })
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, `${label} must be 1-100 letters, digits, _ . : or -`);

const freeObject = (label: string) =>
  z.record(z.string(), z.unknown(), { error: `${label} must be an object` });

export const createJourneyBody = z
  .object({
    templateId: reference("templateId").openapi({ example: "tmpl_onboarding_sme" }),
    customerId: reference("customerId").openapi({ example: "ent_customer_456" }),
    channel: z
      .string({ error: "channel must be a string" })
      .regex(/^[a-z][a-z0-9_]{0,31}$/, "channel must be a lower-case name such as web, mobile or branch")
      .optional()
      .openapi({ example: "web" }),
    context: freeObject("context")
      .optional()
      .openapi({
        example: { productType: "murabaha", requestedAmount: { amount: 2000000, currency: "SAR" } },
      }),
    assigneeId: staffId("usr_rm_001", "assigneeId")
      .optional()
      .openapi({ description: "An active user of the tenant" }),
    priority: optionalEnum("priority", journeyPriorities).openapi({ example: "normal" }),
    dueAt: isoDateTime("dueAt").optional().openapi({ example: "2024-01-25T17:00:00Z" }),
  })
  .openapi("JourneyCreate");

export const advanceBody = z
  .object({
    completedStepId: reference("completedStepId").openapi({
      description: "Must be the journey's current step",
      example: "step_kyc",
    }),
    stepOutcome: requiredEnum("stepOutcome", stepOutcomes).openapi({
      description:
        "passed and skipped (steps that are not required) move on; failed records the attempt and stays",
      example: "passed",
    }),
    stepData: freeObject("stepData")
      .optional()
      .openapi({ example: { kycStatus: "verified", kycReference: "kyc_ref_001" } }),
    advancedBy: staffId("usr_rm_001", "advancedBy").openapi({ description: "An active user of the tenant" }),
  })
  .openapi("JourneyAdvance");

export const assignBody = z
  .object({
    assigneeId: staffId("usr_rm_002", "assigneeId").openapi({
      description: "An active user of the tenant, or with assigneeType team one of its teams",
    }),
    assigneeType: optionalEnum("assigneeType", assigneeTypes).openapi({ example: "user" }),
    reason: optionalText("reason", 1000).openapi({ example: "Original RM on leave" }),
    notifyAssignee: z.boolean({ error: "notifyAssignee must be true or false" }).optional(),
  })
  .openapi("JourneyAssign");

export const completeBody = z
  .object({
    completionNotes: optionalText("completionNotes", 2000).openapi({
      example: "All steps completed, contract activated",
    }),
    completedBy: staffId("usr_rm_001", "completedBy").openapi({
      description: "An active user of the tenant",
    }),
    outcome: optionalEnum("outcome", completionOutcomes).openapi({ example: "success" }),
  })
  .openapi("JourneyComplete");

export const cancelBody = z
  .object({
    cancellationReason: requiredText("cancellationReason", 1000).openapi({
      example: "Customer withdrew application",
    }),
    cancelledBy: staffId("usr_rm_001", "cancelledBy").openapi({
      description: "An active user of the tenant",
    }),
  })
  .openapi("JourneyCancel");

export const journeyListQuery = paginationQuery({ perPage: 20, maxPerPage: 100 }).extend({
  status: optionalEnum("status", journeyStatuses),
  templateId: z.string().max(100).optional(),
  customerId: z.string().max(100).optional(),
  assigneeId: z.string().max(100).optional(),
});

export const journeyIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "jrn_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
});

const dateTime = z.string().openapi({ format: "date-time" });

const currentStepSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(stepTypes),
    status: z.enum(["pending", "overdue"]),
  })
  .openapi("JourneyCurrentStep");

export const journeySchema = z
  .object({
    id: z.string(),
    status: z.enum(journeyStatuses),
    templateId: z.string(),
    templateVersion: z.number().int(),
    customerId: z.string(),
    channel: z.string().nullable(),
    context: z.record(z.string(), z.unknown()),
    currentStepIndex: z.number().int(),
    currentStep: currentStepSchema.nullable().openapi({ description: "null once every step is done" }),
    totalSteps: z.number().int(),
    completedSteps: z.number().int(),
    assigneeId: z.string().nullable(),
    assigneeType: z.enum(assigneeTypes).nullable(),
    priority: z.enum(journeyPriorities),
    dueAt: dateTime.nullable(),
    stepDueAt: dateTime.nullable(),
    slaDueAt: dateTime.nullable(),
    slaBreached: z.boolean(),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .openapi("Journey");

export const journeyDetailSchema = journeySchema
  .extend({
    steps: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        type: z.enum(stepTypes),
        order: z.number().int(),
        required: z.boolean(),
        status: z.enum(["passed", "skipped", "pending", "overdue", "not_started"]),
      }),
    ),
    history: z.array(
      z.object({
        stepId: z.string(),
        stepIndex: z.number().int(),
        stepOutcome: z.enum(stepOutcomes),
        stepData: z.record(z.string(), z.unknown()),
        advancedBy: z.string(),
        advancedAt: dateTime,
      }),
    ),
    assignmentReason: z.string().nullable(),
    completion: z
      .object({
        completedBy: z.string().nullable(),
        completionNotes: z.string().nullable(),
        outcome: z.string().nullable(),
      })
      .nullable(),
    cancellation: z
      .object({ cancelledBy: z.string().nullable(), cancellationReason: z.string().nullable() })
      .nullable(),
  })
  .openapi("JourneyDetail");

export const journeyList = z
  .object({ data: z.array(journeySchema), pagination: paginationSchema })
  .openapi("JourneyList");
