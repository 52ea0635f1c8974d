import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { notificationChannels } from "../notifications/vocabulary.js";
import { templateProblems } from "./analysis.js";
import {
  localeTag,
  type TemplateDefinition,
  templateDefinitionSchema,
  templateVariableSchema,
} from "./schemas.js";

/** The default set shipped with the hub: templates/ at the repository's (or the build's) root. */
export const shippedTemplatesDir = fileURLToPath(new URL("../../templates/", import.meta.url));

/** A default template as read from its folder, with a hash of the files it came from. */
export type DefaultTemplate = { code: string; definition: TemplateDefinition; sourceHash: string };

const metaFile = z.object({
  description: z.string().default(""),
  variables: z.array(templateVariableSchema).default([]),
});

const variantFile = /^([a-z_]+)\.([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\.ya?ml$/;

/**
 * Reads the default templates: one folder per code (`templates/TICKET_CREATED/`), holding
 * `template.yaml` (description, variables) and one `<channel>.<locale>.yaml` per variant with the
 * channel's parts. A file that does not fit stops the start with a message naming it, as a bad
 * configuration does: a broken default must not reach a customer.
 */
export function readDefaultTemplates(dir: string): DefaultTemplate[] {
  const codes = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[A-Z][A-Z0-9_]+$/.test(e.name))
    .map((e) => e.name)
    .sort();
  return codes.map((code) => readOne(join(dir, code), code));
}

function readOne(folder: string, code: string): DefaultTemplate {
  const hash = createHash("sha256");
  const read = (file: string) => {
    const text = readFileSync(join(folder, file), "utf8");
    hash.update(`${file}\u0000${text}\u0000`);
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw new Error(`templates/${code}/${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const files = readdirSync(folder).sort();
  const meta = metaFile.safeParse(read("template.yaml"));
  if (!meta.success) throw new Error(`templates/${code}/template.yaml: ${z.prettifyError(meta.error)}`);
  const variants: TemplateDefinition["variants"] = [];
  for (const file of files) {
    if (file === "template.yaml") continue;
    const match = variantFile.exec(file);
    const channel = notificationChannels.find((c) => c === match?.[1]);
    if (!match || !channel) throw new Error(`templates/${code}/${file}: not <channel>.<locale>.yaml`);
    const fields = z.record(z.string(), z.string()).safeParse(read(file));
    if (!fields.success) throw new Error(`templates/${code}/${file}: every part must be text`);
    variants.push({ channel, locale: localeTag.parse(match[2]), fields: fields.data });
  }
  const definition = templateDefinitionSchema.parse({ ...meta.data, variants });
  const problems = Object.entries(templateProblems(definition));
  if (problems.length > 0) {
    const described = problems.map(([path, problem]) => {
      const variant = definition.variants[Number(path.split(".")[1])];
      const where =
        path.startsWith("variants.") && variant
          ? `${variant.channel}.${variant.locale}.yaml`
          : "template.yaml";
      return `${where} ${path
        .split(".")
        .slice(path.startsWith("variants.") ? 3 : 0)
        .join(".")}: ${problem}`;
    });
    throw new Error(`templates/${code}: ${described.join("; ")}`);
  }
  return { code, definition, sourceHash: hash.digest("hex") };
}
