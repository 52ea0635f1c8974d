import { convert as htmlToText } from "html-to-text";
import type { Channel, RenderedContent } from "../../connectors/contract.js";
import type { Database, Tx } from "../db/client.js";
import type { Logger } from "../logger.js";
import { renderDelivery } from "../notifications/content.js";
import { maskCardNumbersDeep } from "../privacy/cardNumbers.js";
import { type EffectiveTemplate, findEffectiveTemplate } from "../templates/service.js";
import { formatRupiah, type Locale, prompts } from "./claimDialogue/prompts.js";
import { type InboundChannel, isUnnamed } from "./message.js";

/**
 * The acknowledgement of a ticket or claim a conversation opened, rendered from the tenant's
 * admin-managed template (TICKET_CREATED, CLAIM_RECEIVED: its own, else the default) for the
 * conversation's channel and language, as notifications are. The router's own text stands in
 * when the template cannot say it (archived, no variant for the channel, a part that renders
 * empty): a customer who wrote is always answered with their number, and the log says why the
 * template was not used.
 */

export type AcknowledgementRequest = {
  tenantId: string;
  channel: InboundChannel;
  locale: Locale;
  ticketNumber: string;
  customerName: string;
  /** A claim the dialogue filed: what its template may show. */
  claim?: { mediaTransaksi: string; nominal: number } | undefined;
};

/** What the outbound row keeps: the plain text (the record, web chat's history) and the channel's content. */
export type Acknowledgement = { text: string; content: RenderedContent | null };

export type Acknowledger = {
  /** The acknowledgements of the requests, in their order; templates read once per tenant and code. */
  render(tx: Database | Tx, requests: readonly AcknowledgementRequest[]): Promise<Acknowledgement[]>;
};

/** Web chat shows what the in-app template says; every other conversation is its channel's. */
const templateChannelOf = {
  telegram: "telegram",
  sms: "sms",
  whatsapp: "whatsapp",
  email: "email",
  webchat: "in_app",
} as const satisfies Record<InboundChannel, Channel>;

const codeOf = (r: AcknowledgementRequest) => (r.claim ? "CLAIM_RECEIVED" : "TICKET_CREATED");

export function templatedAcknowledger(deps: {
  fallbackLocale: string;
  logger: Pick<Logger, "warn">;
}): Acknowledger {
  return {
    async render(tx, requests) {
      // Read one after another: a transaction's connection runs one statement at a time.
      const templates = new Map<string, EffectiveTemplate | undefined>();
      const result: Acknowledgement[] = [];
      for (const request of requests) {
        const key = `${request.tenantId}/${codeOf(request)}`;
        if (!templates.has(key))
          templates.set(key, await findEffectiveTemplate(tx, request.tenantId, codeOf(request)));
        const template = templates.get(key);
        const rendered = renderFrom(template, request, deps.fallbackLocale);
        if (rendered.ok) result.push(acknowledgementOf(rendered.content));
        else {
          deps.logger.warn(
            { tenantId: request.tenantId, code: codeOf(request), reason: rendered.reason },
            "an acknowledgement was sent with the router's own text: its template could not render it",
          );
          result.push({ text: builtInText(request), content: null });
        }
      }
      return result;
    },
  };
}

function renderFrom(
  template: EffectiveTemplate | undefined,
  request: AcknowledgementRequest,
  fallbackLocale: string,
): { ok: true; content: RenderedContent } | { ok: false; reason: string } {
  if (!template) return { ok: false, reason: "no such template" };
  if (template.row.status !== "active") return { ok: false, reason: "the template is archived" };
  return renderDelivery(
    template.version,
    templateChannelOf[request.channel],
    request.locale,
    fallbackLocale,
    dataOf(request),
  );
}

/** The template's variables; a customer known by no name is greeted the template's own way. */
function dataOf(request: AcknowledgementRequest): Record<string, unknown> {
  return {
    ticketNumber: request.ticketNumber,
    ...(isUnnamed(request.customerName) ? {} : { customerName: request.customerName }),
    ...(request.claim
      ? { transactionMedia: request.claim.mediaTransaksi, amount: formatRupiah(request.claim.nominal) }
      : {}),
  };
}

/** Through the masking module, as every text the hub stores: a name can hold a card number. */
function acknowledgementOf(content: RenderedContent): Acknowledgement {
  const masked = maskCardNumbersDeep(content);
  return { text: plainTextOf(masked), content: masked };
}

function plainTextOf(content: RenderedContent): string {
  switch (content.channel) {
    case "email":
    case "sms":
      return content.text;
    case "whatsapp":
      return content.kind === "text" ? content.text : `[${content.name}]`;
    case "telegram":
      return textOfTelegramHtml(content.text);
    case "push":
    case "in_app":
      return content.body;
  }
}

/** Telegram's HTML (b, i, a, code...) as the words it shows, its line breaks kept. */
function textOfTelegramHtml(html: string): string {
  return htmlToText(html, {
    wordwrap: false,
    preserveNewlines: true,
    selectors: [{ selector: "a", options: { hideLinkHrefIfSameAsText: true } }],
  });
}

function builtInText(request: AcknowledgementRequest): string {
  const t = prompts(request.locale);
  return request.claim ? t.claimFiled(request.ticketNumber) : t.ticketOpened(request.ticketNumber);
}
