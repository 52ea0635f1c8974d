import fc from "fast-check";

/**
 * Requests generated from the served OpenAPI document: values that fit each operation's schemas,
 * mixed at every level with hostile ones (NUL bytes, lone surrogates, huge strings, wrong types,
 * deep nesting), so a fuzz run reaches handlers and also every way into them.
 */

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
  example?: unknown;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

export type Parameter = {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
};

export type Operation = {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
};

export type OpenApiDocument = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
};

/** A string PostgreSQL text cannot store, or one far longer than any field allows. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}\u0000${b}`),
  fc
    .tuple(
      fc.string({ maxLength: 8 }),
      fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff"),
      fc.string({ maxLength: 8 }),
    )
    .map(([a, s, b]) => a + s + b),
  fc.constantFrom("", " ", "x".repeat(100_000), "\u0000".repeat(1000), "☃".repeat(20_000), "%00", "../.."),
);

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, 1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);

/**
 * Objects or arrays nested past any sensible depth: the RangeError class of input. Kept as a
 * marker that jsonText writes out, since JSON.stringify itself overflows the stack on them.
 */
export class DeepNesting {
  constructor(
    readonly depth: number,
    readonly asArrays: boolean,
  ) {}

  text(): string {
    return this.asArrays
      ? `${"[".repeat(this.depth)}"leaf"${"]".repeat(this.depth)}`
      : `${'{"a":'.repeat(this.depth)}"leaf"${"}".repeat(this.depth)}`;
  }
}

const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 33, max: 5000 }), fc.boolean())
  .map(([depth, asArrays]) => new DeepNesting(depth, asArrays));

/** A generated value as JSON text; undefined (no value at all) stays undefined. */
export function jsonText(value: unknown): string | undefined {
  if (value instanceof DeepNesting) return value.text();
  if (Array.isArray(value)) return `[${value.map((v) => jsonText(v) ?? "null").join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const members = Object.entries(value).flatMap(([k, v]) => {
      const text = jsonText(v);
      return text === undefined ? [] : [`${JSON.stringify(k)}:${text}`];
    });
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(hostileString, wrongType, deepNesting);

/** Every place in a value: the root (no parent), then each member and element, depth first. */
function placesIn(
  value: unknown,
): Array<{ parent: Record<string, unknown> | unknown[]; key: string | number } | null> {
  const places: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number } | null> = [null];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        places.push({ parent: node, key: i });
        walk(child);
      });
    } else if (typeof node === "object" && node !== null && !(node instanceof DeepNesting)) {
      for (const [k, child] of Object.entries(node)) {
        places.push({ parent: node as Record<string, unknown>, key: k });
        walk(child);
      }
    }
  };
  walk(value);
  return places;
}

/** Where and how to make a fitting value hostile; see mutateOnce. */
export type Mutation = { pick: number; hostile: unknown; hostileKey: string | null };

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  hostile: hostileValue,
  hostileKey: fc.option(hostileString, { freq: 5 }),
});

/**
 * A fitting value with one place in it made hostile: a member's value replaced, or a hostile key
 * added beside it. One at a time, so the rest of the request passes validation and the hostile
 * part travels as far into the hub as it can.
 */
export function mutateOnce(value: unknown, { pick, hostile, hostileKey }: Mutation): unknown {
  const copy = structuredClone(value);
  const places = placesIn(copy);
  const place = places[pick % places.length];
  if (!place) return hostile;
  if (hostileKey !== null && !Array.isArray(place.parent)) {
    place.parent[hostileKey] = hostile;
  } else {
    (place.parent as Record<string | number, unknown>)[place.key] = hostile;
  }
  return copy;
}

function resolve(schema: JsonSchema, doc: OpenApiDocument): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(target, doc);
}

function merged(parts: JsonSchema[], doc: OpenApiDocument): JsonSchema {
  const all: JsonSchema = { properties: {}, required: [] };
  for (const part of parts.map((p) => resolve(p, doc))) {
    Object.assign(all.properties ?? {}, part.properties);
    all.required?.push(...(part.required ?? []));
    if (part.type) all.type = part.type;
  }
  return all;
}

function stringFitting(schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case "date-time":
      return fc
        .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
        .map((d) => d.toISOString());
    case "email":
      return fc.emailAddress();
    case "uri":
      return fc.webUrl();
  }
  const maxLength = Math.min(schema.maxLength ?? 40, 40);
  if (schema.pattern) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 200));
  }
  return fc.string({ minLength: Math.min(schema.minLength ?? 0, maxLength), maxLength });
}

/** Values that fit `schema` as the document states it (its own refinements aside). */
export function fittingValue(schema: JsonSchema, doc: OpenApiDocument): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  if (s.allOf) return fittingValue(merged(s.allOf, doc), doc);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => fittingValue(a, doc)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "string":
      return typeof s.example === "string"
        ? fc.oneof(fc.constant(s.example), stringFitting(s))
        : stringFitting(s);
    case "integer":
      return fc.integer({ min: s.minimum ?? s.exclusiveMinimum ?? -1000, max: s.maximum ?? 1_000_000 });
    case "number":
      return fc.double({ min: s.minimum ?? s.exclusiveMinimum ?? -1e6, max: s.maximum ?? 1e9, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "array":
      return fc.array(s.items ? fittingValue(s.items, doc) : fc.jsonValue({ maxDepth: 2 }), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 3, 3),
      });
    case "object":
      return objectOf(s, doc);
    default:
      // An open value (metadata): anything JSON.
      return fc.jsonValue({ maxDepth: 3 });
  }
}

function objectOf(s: JsonSchema, doc: OpenApiDocument): fc.Arbitrary<unknown> {
  const properties = Object.entries(s.properties ?? {});
  if (properties.length === 0) {
    const values =
      typeof s.additionalProperties === "object"
        ? fittingValue(s.additionalProperties, doc)
        : fc.jsonValue({ maxDepth: 2 });
    return fc.dictionary(fc.string({ maxLength: 10 }), values, { maxKeys: 4 });
  }
  const model = Object.fromEntries(properties.map(([name, p]) => [name, fittingValue(p, doc)]));
  return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in model) });
}

/**
 * A value as it goes into a URL: percent-encoded as UTF-8, a lone surrogate as the three bytes
 * (WTF-8) a careless client would send, since encodeURIComponent refuses it.
 */
export function encodeUrlValue(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out +=
        `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

/** Raw, already-encoded URL pieces no encoder would make: broken escapes, NUL, an encoded slash. */
const rawUrlPieces = fc.constantFrom("%", "%zz", "%00", "%ED%A0%80", "%FF%FE", "%2F", "..", "%2e%2e");

/** A fitting path or query value, encoded for the URL: mostly a known id, else one of the schema. */
export function urlValueOf(schema: JsonSchema | undefined, doc: OpenApiDocument, known: readonly string[]) {
  const fitting = (schema ? fittingValue(schema, doc) : fc.string()).map((v) =>
    typeof v === "string" ? v : (jsonText(v) ?? ""),
  );
  return fc
    .oneof(...(known.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...known) }] : []), {
      weight: 1,
      arbitrary: fitting,
    })
    .map(encodeUrlValue);
}

/** A hostile path or query value, encoded (or broken) as a careless or hostile client would send it. */
export const hostileUrlValue: fc.Arbitrary<string> = fc.oneof(
  hostileString.map(encodeUrlValue),
  rawUrlPieces,
);

/** A fitting header value. */
export const headerValue: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);

/** A hostile header value a client can still send (a fetch Headers refuses NUL and non-Latin-1). */
export const hostileHeader: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  fc.constantFrom("x".repeat(10_000), "\u00ff\u00fe", "a b", " padded ", ""),
);

/** Bodies no schema describes: broken or odd JSON text. */
export const rawBodies = fc.constantFrom(
  "",
  "{",
  "null",
  "[]",
  '"\\u0000"',
  "1e999999",
  '{"a":"\\ud800"}',
  "\u0000",
);
