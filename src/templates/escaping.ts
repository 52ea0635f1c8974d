import type { Medium } from "./vocabulary.js";

const htmlEntities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEntities[c] ?? c);
}

/**
 * WhatsApp has no escape character: a `*`, `_`, `~` or backtick in a value could pair with one in
 * the template and turn text bold. A zero-width space after each keeps the character visible
 * while no longer forming a pair with the text beside it.
 */
export function neutraliseWhatsappFormatting(text: string): string {
  return text.replace(/[*_~`]/g, (c) => `${c}\u200b`);
}

/** One line: a header (an e-mail subject) or a title never gains a line from a value. */
export function singleLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, " ");
}

/** A value as Liquid prints it, then escaped for the part it lands in. */
export function escapeFor(medium: Medium): (value: unknown) => string {
  const text = (value: unknown) => (value === null || value === undefined ? "" : String(value));
  switch (medium) {
    case "plain":
      return text;
    case "singleLine":
      return (v) => singleLine(text(v));
    case "html":
      return (v) => escapeHtml(text(v));
    case "whatsapp":
      return (v) => neutraliseWhatsappFormatting(text(v));
  }
}
