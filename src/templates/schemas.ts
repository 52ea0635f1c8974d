import { z } from "@hono/zod-openapi";
import { notificationChannels } from "../notifications/vocabulary.js";
import { normaliseLocale } from "./locale.js";

/** Template codes: upper-case words joined by `_` (TICKET_CREATED), as bank systems name them. */
export const templateCode = z
  .string({ error: "is required" })
  .regex(/^[A-Z][A-Z0-9_]{1,63}$/, "must be upper-case letters, digits and _ (e.g. TICKET_CREATED)")
  .openapi({ example: "JOURNEY_STEP_REQUIRED" });

export const localeTag = z
  .string({ error: "is required" })
  .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, "must be a language tag such as id, id-ID or en")
  .transform(normaliseLocale)
  .openapi({ example: "id-ID" });

const part = z.string({ error: "must be a string" }).max(20_000, "must be at most 20000 characters");

export const templateVariableSchema = z
  .object(
    {
      name: z
        .string({ error: "is required" })
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a name of letters, digits and _ (e.g. stepName)")
        .openapi({ example: "stepName" }),
      required: z.boolean({ error: "must be true or false" }).default(false),
      description: z.string().max(500, "must be at most 500 characters").optional(),
    },
    { error: "must be an object" },
  )
  .openapi("TemplateVariable");

export const templateVariantSchema = z
  .object(
    {
      channel: z.enum(notificationChannels, { error: `must be one of ${notificationChannels.join(", ")}` }),
      locale: localeTag,
      fields: z.record(z.string(), part, { error: "must be an object of parts" }).openapi({
        description:
          "The channel's parts in Liquid: email subject, html, text; sms text; push title, body, url (optional); whatsapp text, and optionally the approved WhatsApp template sent outside the 24-hour window on the Cloud API: template (its name), language (its code, default the variant's locale) and parameters (one a line, for {{1}}, {{2}}...); telegram text (HTML parse mode); in_app title, body, link (optional)",
        example: { title: "Action needed: {{ stepName }}", body: "{{ stepName }} is waiting for you." },
      }),
    },
    { error: "must be an object" },
  )
  .openapi("TemplateVariant");

/** A template's content: what a file in templates/ holds and what an admin sends. */
export const templateDefinitionSchema = z.object({
  description: z.string().max(1000, "must be at most 1000 characters").default(""),
  variables: z.array(templateVariableSchema, { error: "must be a list" }).max(100, "at most 100 variables"),
  variants: z
    .array(templateVariantSchema, { error: "must be a list" })
    .min(1, "needs at least one variant")
    .max(200, "at most 200 variants"),
});

export type TemplateDefinition = z.infer<typeof templateDefinitionSchema>;
