import { z } from "@hono/zod-openapi";
import type { MessageTemplateVersionRow } from "../db/schema/index.js";
import { paginationSchema } from "../http/pagination.js";
import { notificationChannels } from "../notifications/vocabulary.js";
import { templateVariableSchema, templateVariantSchema } from "./schemas.js";
import type { EffectiveTemplate } from "./service.js";
import { templateStatuses } from "./vocabulary.js";

const versionFields = {
  version: z.number().int().openapi({ example: 2 }),
  description: z.string(),
  variables: z.array(templateVariableSchema),
  variants: z.array(templateVariantSchema),
  versionCreatedAt: z.string(),
  versionCreatedBy: z
    .string()
    .openapi({ description: "The API key that wrote it, or templates/ for a shipped default" }),
};

export const messageTemplateSchema = z
  .object({
    code: z.string().openapi({ example: "JOURNEY_STEP_REQUIRED" }),
    origin: z.enum(["tenant", "default"]).openapi({
      description: "default: the shipped template (templates/); tenant: the tenant's own, which replaces it",
    }),
    status: z.enum(templateStatuses),
    ...versionFields,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("MessageTemplate");

export const templateVersionSchema = z
  .object({ code: z.string(), ...versionFields })
  .openapi("MessageTemplateVersion");

export const templateEnvelope = z.object({ data: messageTemplateSchema });
export const templateList = z.object({ data: z.array(messageTemplateSchema), pagination: paginationSchema });
export const versionList = z.object({ data: z.array(templateVersionSchema) });
export const versionEnvelope = z.object({ data: templateVersionSchema });

function versionView(v: MessageTemplateVersionRow) {
  return {
    version: v.version,
    description: v.description,
    variables: v.variables.map((x) => ({ ...x, required: x.required })),
    variants: v.variants,
    versionCreatedAt: v.createdAt.toISOString(),
    versionCreatedBy: v.createdBy,
  };
}

export function templateView(t: EffectiveTemplate): z.infer<typeof messageTemplateSchema> {
  return {
    code: t.row.code,
    origin: t.origin,
    status: t.row.status,
    ...versionView(t.version),
    createdAt: t.row.createdAt.toISOString(),
    updatedAt: t.row.updatedAt.toISOString(),
  };
}

export function templateVersionView(code: string, v: MessageTemplateVersionRow) {
  return { code, ...versionView(v) };
}

export const previewBody = z
  .object(
    {
      channel: z.enum(notificationChannels, { error: `must be one of ${notificationChannels.join(", ")}` }),
      locale: z.string().max(35).optional().openapi({
        description: "The recipient's language; falls back along id-ID → id → the default locale",
        example: "id-ID",
      }),
      data: z
        .record(z.string(), z.unknown(), { error: "must be an object" })
        .default({})
        .openapi({
          example: { stepName: "Document Collection", journeyName: "SME Onboarding", dueDate: "2024-01-17" },
        }),
      version: z
        .number()
        .int()
        .min(1)
        .optional()
        .openapi({ description: "A previous version; default the current one" }),
    },
    { error: "must be an object" },
  )
  .openapi("TemplatePreviewRequest");

export const previewSchema = z
  .object({
    channel: z.enum(notificationChannels),
    locale: z.string().openapi({ description: "The variant's locale that was used" }),
    localeChain: z.array(z.string()).openapi({ example: ["id-ID", "id", "en"] }),
    version: z.number().int(),
    content: z
      .record(z.string(), z.string())
      .openapi({ description: "Each part as rendered, escaped for its medium" }),
    missingVariables: z
      .array(z.string())
      .openapi({ description: "Required variables the data lacks: sending fails" }),
    unknownVariables: z
      .array(z.string())
      .openapi({ description: "Keys of data the template does not declare" }),
    sms: z
      .object({
        encoding: z.enum(["GSM-7", "UCS-2"]),
        segments: z.number().int(),
        characters: z.number().int(),
        nonGsmCharacters: z.array(z.string()),
      })
      .optional()
      .openapi({ description: "SMS only: the encoding the text needs and how many parts it is sent in" }),
  })
  .openapi("TemplatePreview");
