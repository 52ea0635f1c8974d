import type { NotificationChannel } from "../notifications/vocabulary.js";
import { checkData } from "./analysis.js";
import { renderVariant } from "./engine.js";
import { localeChain, pickLocale } from "./locale.js";
import { type SmsEncodingReport, smsEncodingOf } from "./smsEncoding.js";
import type { RenderedParts, TemplateVariable, TemplateVariant } from "./vocabulary.js";

export type Preview =
  | {
      ok: true;
      locale: string;
      localeChain: string[];
      parts: RenderedParts;
      missingVariables: string[];
      unknownVariables: string[];
      sms?: SmsEncodingReport | undefined;
    }
  | { ok: false; reason: "no_variant"; localeChain: string[] }
  | { ok: false; reason: "render_failed"; error: string; locale: string };

/**
 * Renders one channel of a template version with the given data, as a customer would receive it,
 * and says what is wrong with the data: required variables it lacks (rendered blank here, refused
 * when sending) and keys the template does not declare. An SMS also reports its encoding and parts.
 */
export function previewTemplate(
  version: { variables: readonly TemplateVariable[]; variants: readonly TemplateVariant[] },
  channel: NotificationChannel,
  locale: string | undefined,
  data: Record<string, unknown>,
  fallbackLocale: string,
): Preview {
  const chain = localeChain(locale, fallbackLocale);
  const variants = version.variants.filter((v) => v.channel === channel);
  const picked = pickLocale(
    chain,
    variants.map((v) => v.locale),
  );
  const variant = variants.find((v) => v.locale === picked);
  if (!variant || picked === undefined) return { ok: false, reason: "no_variant", localeChain: chain };
  const { missing, unknown } = checkData(version.variables, data);
  let parts: RenderedParts;
  try {
    parts = renderVariant(channel, variant.fields, data);
  } catch (err) {
    return {
      ok: false,
      reason: "render_failed",
      error: err instanceof Error ? err.message : String(err),
      locale: picked,
    };
  }
  return {
    ok: true,
    locale: picked,
    localeChain: chain,
    parts,
    missingVariables: missing,
    unknownVariables: unknown,
    sms: channel === "sms" && parts.text !== undefined ? smsEncodingOf(parts.text) : undefined,
  };
}
