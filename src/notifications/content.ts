import type { Channel, ContentFor, RenderedContent, WhatsAppContent } from "../../connectors/contract.js";
import { unhandled } from "../../connectors/contract.js";
import { checkData } from "../templates/analysis.js";
import { renderVariant } from "../templates/engine.js";
import { localeChain, pickLocale } from "../templates/locale.js";
import {
  channelFields,
  optionalFields,
  type TemplateVariable,
  type TemplateVariant,
} from "../templates/vocabulary.js";

export type WhatsAppTemplate = Extract<WhatsAppContent, { kind: "template" }>;

export type Rendering =
  | {
      ok: true;
      locale: string;
      content: RenderedContent;
      /** WhatsApp: the approved template the variant names, sent instead outside the 24-hour window. */
      approvedTemplate?: WhatsAppTemplate | undefined;
    }
  | { ok: false; reason: string };

/**
 * A delivery's message: the channel's variant in the first locale of the recipient's chain that has
 * one, rendered with the notification's data. Every refusal is a reason the delivery fails with,
 * never a blank in a customer's message: a missing required variable, no variant, a part that
 * renders empty, an in-app link that is not a web address.
 */
export function renderDelivery(
  version: { variables: readonly TemplateVariable[]; variants: readonly TemplateVariant[] },
  channel: Channel,
  language: string | null,
  fallbackLocale: string,
  data: Record<string, unknown>,
): Rendering {
  const { missing } = checkData(version.variables, data);
  if (missing.length > 0)
    return {
      ok: false,
      reason: `missing required variable${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`,
    };
  const chain = localeChain(language, fallbackLocale);
  const variants = version.variants.filter((v) => v.channel === channel);
  const locale = pickLocale(
    chain,
    variants.map((v) => v.locale),
  );
  const variant = variants.find((v) => v.locale === locale);
  if (!variant || locale === undefined)
    return { ok: false, reason: `the template has no ${channel} variant for ${chain.join(", ")}` };
  let parts: Record<string, string | undefined>;
  try {
    parts = renderVariant(channel, variant.fields, data);
  } catch (err) {
    return { ok: false, reason: `rendering failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  for (const field of channelFields[channel]) {
    if (!optionalFields.has(`${channel}.${field}`) && !parts[field])
      return { ok: false, reason: `the ${field} rendered empty` };
  }
  const link = parts.link || parts.url;
  if (link && !/^(https?:\/\/|\/)/i.test(link))
    return { ok: false, reason: "the link is not an http(s) address or a path" };
  const approvedTemplate =
    channel === "whatsapp" && parts.template
      ? approvedTemplateOf(parts.template, parts.language || locale, parts.parameters)
      : undefined;
  const blank = approvedTemplate?.parameters.findIndex((p) => p.length === 0) ?? -1;
  if (blank >= 0)
    return { ok: false, reason: `parameter ${blank + 1} of the WhatsApp template rendered empty` };
  return {
    ok: true,
    locale,
    content: contentOf(channel, parts),
    ...(approvedTemplate ? { approvedTemplate } : {}),
  };
}

const text = (parts: Record<string, string | undefined>, field: string) => parts[field] ?? "";

/** An approved WhatsApp template message: its name, language code (`id`, `en_US`) and body parameters, one a line. */
function approvedTemplateOf(
  name: string,
  language: string,
  parameters: string | undefined,
): WhatsAppTemplate {
  return {
    channel: "whatsapp",
    kind: "template",
    name,
    language: language.replace("-", "_"),
    parameters: parameters ? parameters.split("\n").map((line) => line.trim()) : [],
  };
}

/** The contract's content shape of each channel, from the rendered parts. Telegram is sent as HTML. */
function contentOf(channel: Channel, parts: Record<string, string | undefined>): RenderedContent {
  const optional = (field: string, as: string) => (parts[field] ? { [as]: parts[field] } : {});
  switch (channel) {
    case "email":
      return {
        channel,
        subject: text(parts, "subject"),
        html: text(parts, "html"),
        text: text(parts, "text"),
      };
    case "sms":
      return { channel, text: text(parts, "text") };
    case "push":
      return { channel, title: text(parts, "title"), body: text(parts, "body"), ...optional("url", "url") };
    case "whatsapp":
      return { channel, kind: "text", text: text(parts, "text") };
    case "telegram":
      return { channel, text: text(parts, "text"), parseMode: "HTML" };
    case "in_app":
      return { channel, title: text(parts, "title"), body: text(parts, "body"), ...optional("link", "link") };
    default:
      return unhandled(channel);
  }
}

export function isContentFor<C extends Channel>(
  channel: C,
  content: RenderedContent,
): content is ContentFor<C> {
  return content.channel === channel;
}
