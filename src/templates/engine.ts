import { Liquid, type Template } from "liquidjs";
import type { NotificationChannel } from "../notifications/vocabulary.js";
import { escapeFor } from "./escaping.js";
import { channelFields, type Medium, mediumOf, type RenderedParts } from "./vocabulary.js";

/**
 * Templates are Liquid (LiquidJS): a language made for templates that people other than the
 * developers write. It is interpreted, never compiled to JavaScript; a template reads only the
 * data's own properties; unknown filters are refused when the template is saved; and rendering is
 * bounded in time and memory. Every value is escaped for the part it lands in (see escaping.ts),
 * so a customer's name cannot become markup in an e-mail.
 */
function engineFor(medium: Medium): Liquid {
  return new Liquid({
    outputEscape: escapeFor(medium),
    strictFilters: true,
    ownPropertyOnly: true,
    // No file system: include, render and layout find nothing, so a template cannot read files.
    templates: {},
    dynamicPartials: false,
    parseLimit: 100_000,
    renderLimit: 1000,
    memoryLimit: 10_000_000,
  });
}

const engines = new Map<Medium, Liquid>();
function engine(medium: Medium): Liquid {
  let found = engines.get(medium);
  if (!found) {
    found = engineFor(medium);
    engines.set(medium, found);
  }
  return found;
}

/** Parsed templates by medium and text; a template version never changes, so parsing once is enough. */
const parsed = new Map<string, Template[]>();
const parsedMax = 5000;

function parse(medium: Medium, text: string): Template[] {
  const key = `${medium}\u0000${text}`;
  const known = parsed.get(key);
  if (known) return known;
  const templates = engine(medium).parse(text);
  if (parsed.size >= parsedMax) {
    const oldest = parsed.keys().next().value;
    if (oldest !== undefined) parsed.delete(oldest);
  }
  parsed.set(key, templates);
  return templates;
}

export type PartCheck = { ok: true; variables: string[] } | { ok: false; error: string };

/** Whether a part parses, and the data variables it reads (the top-level names). */
export function checkPart(channel: NotificationChannel, field: string, text: string): PartCheck {
  const medium = mediumOf(channel, field);
  try {
    const templates = parse(medium, text);
    return { ok: true, variables: engine(medium).globalVariablesSync(templates) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Renders one part; throws when the template cannot be parsed or runs past its limits. */
export function renderPart(
  channel: NotificationChannel,
  field: string,
  text: string,
  data: Record<string, unknown>,
): string {
  const medium = mediumOf(channel, field);
  return engine(medium).renderSync(parse(medium, text), data) as string;
}

/** Every part of a channel's variant, rendered; parts the variant leaves out are left out. */
export function renderVariant<C extends NotificationChannel>(
  channel: C,
  fields: Readonly<Record<string, string>>,
  data: Record<string, unknown>,
): RenderedParts<C> {
  const content: Record<string, string> = {};
  for (const field of channelFields[channel]) {
    const text = fields[field];
    if (text !== undefined) content[field] = renderPart(channel, field, text, data).trim();
  }
  return content as RenderedParts<C>;
}
