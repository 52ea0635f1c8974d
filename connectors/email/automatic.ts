import type { ParsedMail } from "mailparser";

/** Why a mail was not taken as a customer's message: it was written by a machine. */
export const automaticReasons = [
  "null_sender",
  "auto_submitted",
  "precedence",
  "autoreply_header",
  "mailer_daemon",
  "delivery_report",
  "mailing_list",
] as const;
export type AutomaticReason = (typeof automaticReasons)[number];

/** Every value of a header, unfolded and lower-cased, as the raw lines have them. */
function headerValues(mail: ParsedMail, name: string): string[] {
  return mail.headerLines
    .filter((h) => h.key === name)
    .map((h) =>
      h.line
        .slice(h.line.indexOf(":") + 1)
        .replace(/\r?\n[ \t]+/g, " ")
        .trim()
        .toLowerCase(),
    );
}

function isMailerDaemon(address: string | undefined): boolean {
  return address?.split("@")[0]?.toLowerCase() === "mailer-daemon";
}

/**
 * An auto-reply, a bounce or list traffic (RFC 3834, RFC 3464, RFC 2369): never a ticket, never
 * answered, so two auto-responders cannot keep each other writing. `envelopeFrom` is the SMTP
 * MAIL FROM, "" for the null sender bounces use. Undefined: a person wrote it.
 */
export function automaticMailReason(mail: ParsedMail, envelopeFrom: string): AutomaticReason | undefined {
  if (envelopeFrom === "") return "null_sender";
  if (headerValues(mail, "auto-submitted").some((v) => v.split(/[\s;(]/)[0] !== "no"))
    return "auto_submitted";
  if (headerValues(mail, "precedence").some((v) => ["bulk", "junk", "list", "auto_reply"].includes(v)))
    return "precedence";
  if (headerValues(mail, "x-autoreply").length + headerValues(mail, "x-autorespond").length > 0)
    return "autoreply_header";
  if (isMailerDaemon(envelopeFrom) || isMailerDaemon(mail.from?.value[0]?.address)) return "mailer_daemon";
  if (headerValues(mail, "content-type").some((v) => v.startsWith("multipart/report")))
    return "delivery_report";
  if (headerValues(mail, "list-id").length > 0) return "mailing_list";
  return undefined;
}
