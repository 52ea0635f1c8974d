import { checkPart } from "./engine.js";
import { normaliseLocale } from "./locale.js";
import { channelFields, optionalFields, type TemplateVariable, type TemplateVariant } from "./vocabulary.js";

/** What is wrong with a template definition, by field path (`variants.0.fields.html`). */
export type TemplateProblems = Record<string, string>;

/**
 * Checks a definition before it is saved: every part parses, every variable a part reads is
 * declared, every required part of a channel is there, no part is foreign to its channel, and no
 * (channel, locale) appears twice. An empty result means it can be saved.
 */
export function templateProblems(def: {
  variables: readonly TemplateVariable[];
  variants: readonly TemplateVariant[];
}): TemplateProblems {
  const problems: TemplateProblems = {};
  const declared = new Set<string>();
  def.variables.forEach((v, i) => {
    if (declared.has(v.name)) problems[`variables.${i}.name`] = `${v.name} is declared twice`;
    declared.add(v.name);
  });
  const seen = new Set<string>();
  def.variants.forEach((variant, i) => {
    const at = `variants.${i}`;
    const key = `${variant.channel}/${normaliseLocale(variant.locale)}`;
    if (seen.has(key))
      problems[`${at}.locale`] = `${variant.channel} already has a ${variant.locale} variant`;
    seen.add(key);
    const allowed: readonly string[] = channelFields[variant.channel];
    for (const field of Object.keys(variant.fields)) {
      if (!allowed.includes(field))
        problems[`${at}.fields.${field}`] =
          `${variant.channel} has no ${field}; its parts are ${allowed.join(", ")}`;
    }
    for (const field of allowed) {
      const text = variant.fields[field];
      if (text === undefined) {
        if (!optionalFields.has(`${variant.channel}.${field}`))
          problems[`${at}.fields.${field}`] = "is required";
        continue;
      }
      const check = checkPart(variant.channel, field, text);
      if (!check.ok) {
        problems[`${at}.fields.${field}`] = `does not parse: ${check.error}`;
        continue;
      }
      const undeclared = check.variables.filter((name) => !declared.has(name));
      if (undeclared.length > 0)
        problems[`${at}.fields.${field}`] =
          `uses undeclared variable${undeclared.length > 1 ? "s" : ""} ${undeclared.join(", ")}`;
    }
  });
  return problems;
}

export type DataCheck = {
  /** Required variables the data does not have (null and "" count as missing). */
  missing: string[];
  /** Keys of the data the template does not declare: probably a misspelt name. */
  unknown: string[];
};

export function checkData(variables: readonly TemplateVariable[], data: Record<string, unknown>): DataCheck {
  const declared = new Set(variables.map((v) => v.name));
  return {
    missing: variables.filter((v) => v.required && isBlank(data[v.name])).map((v) => v.name),
    unknown: Object.keys(data).filter((k) => !declared.has(k)),
  };
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}
