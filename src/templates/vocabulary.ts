import type { NotificationChannel } from "../notifications/vocabulary.js";

/** A template's states: an archived template sends nothing until it is restored. */
export const templateStatuses = ["active", "archived"] as const;
export type TemplateStatus = (typeof templateStatuses)[number];

/** A variable a template declares: sending without a required one fails, never renders a blank. */
export type TemplateVariable = { name: string; required: boolean; description?: string | undefined };

/** The parts each channel's message is made of. */
export const channelFields = {
  email: ["subject", "html", "text"],
  sms: ["text"],
  push: ["title", "body", "url"],
  // text: free text, inside WhatsApp's 24-hour window. template, language, parameters: the bank's
  // approved WhatsApp template sent instead outside it (Cloud API), one parameter a line.
  whatsapp: ["text", "template", "language", "parameters"],
  telegram: ["text"],
  in_app: ["title", "body", "link"],
} as const satisfies Record<NotificationChannel, readonly string[]>;

export type ChannelField<C extends NotificationChannel> = (typeof channelFields)[C][number];

/** Parts a variant may leave out; every other part is required. */
export const optionalFields: ReadonlySet<string> = new Set([
  "in_app.link",
  "push.url",
  "whatsapp.template",
  "whatsapp.language",
  "whatsapp.parameters",
]);

/** The rendered parts of one channel's message, each as text. */
export type RenderedParts<C extends NotificationChannel = NotificationChannel> = {
  [F in ChannelField<C>]?: string;
};

/**
 * One channel and locale of a template: its parts, written in Liquid. Locales are BCP 47 tags
 * (`id`, `id-ID`, `en`).
 */
export type TemplateVariant = {
  channel: NotificationChannel;
  locale: string;
  fields: Record<string, string>;
};

/**
 * How each part's values are escaped: a value is data, never markup. E-mail HTML and Telegram
 * (sent with parse_mode HTML) escape HTML; WhatsApp neutralises its formatting characters;
 * everything else is plain text, sent as is (an in-app link is checked once rendered instead).
 */
export type Medium = "plain" | "singleLine" | "html" | "whatsapp";

export function mediumOf(channel: NotificationChannel, field: string): Medium {
  if (channel === "email" && field === "html") return "html";
  if (channel === "email" && field === "subject") return "singleLine";
  if (channel === "telegram") return "html";
  // An approved template's name, language and parameters are each one line: WhatsApp refuses a
  // parameter with a line break, and the lines of `parameters` are what separates them.
  if (channel === "whatsapp") return field === "text" ? "whatsapp" : "singleLine";
  if (channel === "push" && field === "title") return "singleLine";
  return "plain";
}
