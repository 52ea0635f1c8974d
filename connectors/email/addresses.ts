import addressparser from "nodemailer/lib/addressparser";
import type { EmailSettings } from "../contract.js";

/** The bare address of "Name <a@b>" or "a@b", lower-cased; undefined when there is none. */
export function bareAddressOf(text: string): string | undefined {
  const [parsed] = addressparser(text);
  const address = parsed && "address" in parsed ? parsed.address : undefined;
  return address?.includes("@") ? address.toLowerCase() : undefined;
}

/** The address customers write to for this account: `inboundAddress`, else the address in `from`. */
export function inboundAddressOf(
  settings: Pick<EmailSettings, "from" | "inboundAddress">,
): string | undefined {
  return settings.inboundAddress ? settings.inboundAddress.toLowerCase() : bareAddressOf(settings.from);
}

/** A ticket's reply address: the inbound address with "+<token>" on its local part (sub-addressing). */
export function replyAddressOf(
  settings: Pick<EmailSettings, "from" | "inboundAddress">,
  token: string,
): string | undefined {
  const inbound = inboundAddressOf(settings);
  const at = inbound?.lastIndexOf("@") ?? -1;
  if (!inbound || at < 1) return undefined;
  return `${inbound.slice(0, at)}+${token}@${inbound.slice(at + 1)}`;
}

/** A recipient as the listener reads it: the inbound address it names, and the token after "+". */
export function splitRecipient(address: string): { base: string; token?: string } | undefined {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf("@");
  if (at < 1 || at === lower.length - 1) return undefined;
  const local = lower.slice(0, at);
  const domain = lower.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus < 0) return { base: lower };
  const token = local.slice(plus + 1);
  return { base: `${local.slice(0, plus)}@${domain}`, ...(token ? { token } : {}) };
}
