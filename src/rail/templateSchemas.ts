import { z } from "@hono/zod-openapi";
import { optionalEnum, optionalText, requiredEnum, requiredText } from "../serviceDesk/fields.js";
import { stepProblems } from "./templates/steps.js";
import { stepTypes, templateCategories, templateStatuses } from "./templates/vocabulary.js";

/** Ids a tenant chooses for its templates and steps: `tmpl_onboarding_sme`, `step_kyc`. */
const slug = (label: string) =>
  z
    .string({ error: `${label} must be a string` })
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, `${label} must be 1-64 letters, digits, _ . or -`);

const stepSchema = z
  .object({
    id: slug("id").openapi({ example: "step_kyc" }),
    name: requiredText("name", 200).openapi({ example: "KYC Verification" }),
    type: requiredEnum("type", stepTypes).openapi({ example: "kyc_check" }),
    order: z
      .number({ error: "order must be a number" })
      .int("order must be a whole number")
      .min(1, "order starts at 1")
      .openapi({ example: 1 }),
    required: z.boolean({ error: "required must be true or false" }).default(true),
    timeoutHours: z
      .number({ error: "timeoutHours must be a number" })
      .int("timeoutHours must be whole hours")
      .min(1, "timeoutHours must be at least 1")
      .max(8760, "timeoutHours must be at most 8760")
      .optional()
      .openapi({ description: "The step is overdue this long after it became current", example: 48 }),
    documentsRequired: z
      .array(requiredText("documentsRequired", 100), { error: "documentsRequired must be a list" })
      .max(50, "documentsRequired holds at most 50 documents")
      .optional()
      .openapi({ description: "document_upload steps only", example: ["trade_license"] }),
    approvalRoleRequired: requiredText("approvalRoleRequired", 100)
      .optional()
      .openapi({ description: "approval steps only", example: "credit_analyst" }),
  })
  .openapi("JourneyTemplateStep");

/** What a template says; the body of create (with an optional id) and of edit. */
export const templateDefinitionBody = z
  .object({
    name: requiredText("name", 200).openapi({ example: "SME Onboarding" }),
    description: optionalText("description", 2000),
    category: requiredEnum("category", templateCategories).openapi({ example: "onboarding" }),
    steps: z
      .array(stepSchema, { error: "steps must be a list" })
      .min(1, "steps must hold at least one step")
      .max(100, "steps holds at most 100 steps"),
    estimatedDurationDays: z
      .number({ error: "estimatedDurationDays must be a number" })
      .int("estimatedDurationDays must be whole days")
      .min(1, "estimatedDurationDays must be at least 1")
      .max(3650, "estimatedDurationDays must be at most 3650")
      .optional(),
    slaHours: z
      .number({ error: "slaHours must be a number" })
      .int("slaHours must be whole hours")
      .min(1, "slaHours must be at least 1")
      .max(87600, "slaHours must be at most 87600")
      .optional()
      .openapi({ description: "A journey is past its SLA this long after it was created", example: 120 }),
  })
  .superRefine((body, ctx) => {
    for (const [path, message] of Object.entries(stepProblems(body.steps)))
      ctx.addIssue({
        code: "custom",
        path: path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        message,
      });
  });

export const createTemplateBody = templateDefinitionBody
  .and(
    z.object({
      id: slug("id").optional().openapi({
        description:
          "Extension: the template's id, as journeys will name it (e.g. tmpl_onboarding_sme); generated (jtp_...) when absent",
        example: "tmpl_onboarding_sme",
      }),
    }),
  )
  .openapi("JourneyTemplateCreate");

export const editTemplateBody = templateDefinitionBody.openapi("JourneyTemplateEdit");

export const templateStatusBody = z
  .object({
    status: requiredEnum("status", ["active", "archived"] as const).openapi({ example: "active" }),
  })
  .openapi("JourneyTemplateStatusChange");

export const templateListQuery = z.object({
  category: optionalEnum("category", templateCategories),
  status: optionalEnum("status", templateStatuses),
});

export const templateIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "tmpl_onboarding_sme" }),
});

export const templateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    category: z.enum(templateCategories),
    status: z.enum(templateStatuses),
    version: z.number().int().openapi({ description: "Editing an active template adds a version" }),
    steps: z.array(stepSchema),
    estimatedDurationDays: z.number().int().nullable(),
    slaHours: z.number().int().nullable(),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("JourneyTemplate");
