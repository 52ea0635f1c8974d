/**
 * What PostgreSQL cannot take, found before a request reaches a handler. A text or jsonb value
 * refuses NUL ("\u0000"), and a lone UTF-16 surrogate (JSON allows "\ud800") is not UTF-8 at all:
 * unchecked, either one fails the INSERT or SELECT it reaches and the partner sees a 500.
 */

/** How deep a request's JSON may nest. Tickets nest four levels; partners' metadata gets the rest. */
export const maxInputDepth = 32;

export type InputProblem = { field: string; message: string };

const unstorableText = "must not contain NUL characters or unpaired UTF-16 surrogates";

function storable(text: string): boolean {
  return text.isWellFormed() && !text.includes("\u0000");
}

/**
 * A value's size as stored (jsonb from its JSON text), for the caps on partners' free-form objects
 * (a ticket's metadata, a session's context). Zod runs such a cap before the depth check of
 * throwOnInvalid, and JSON.stringify recurses: a value nested too deep to serialise counts as too
 * large, whatever its length, rather than overflowing the stack.
 */
export function jsonByteLength(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function fieldName(path: readonly string[], root: string): string {
  return path.length > 0 ? path.join(".") : root;
}

/**
 * The first string (or object key) in `value` that PostgreSQL cannot store, or the first place
 * it nests deeper than maxInputDepth; undefined when all of it is fine. `root` names the value
 * itself (`body`) when the problem is at the top. A walk of what validation already parsed: on the
 * ticket-creation path this costs far less than parsing the body again.
 */
export function findInputProblem(value: unknown, root: string): InputProblem | undefined {
  const path: string[] = [];

  function walk(node: unknown, depth: number): InputProblem | undefined {
    if (typeof node === "string") {
      return storable(node) ? undefined : { field: fieldName(path, root), message: unstorableText };
    }
    if (typeof node !== "object" || node === null) return undefined;
    if (depth > maxInputDepth) {
      return { field: fieldName(path, root), message: `must not nest deeper than ${maxInputDepth} levels` };
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(String(i));
        const problem = walk(node[i], depth + 1);
        path.pop();
        if (problem) return problem;
      }
      return undefined;
    }
    // Validated input is plain objects, arrays and scalars; a Date or similar holds no request text.
    if (Object.getPrototypeOf(node) !== Object.prototype && Object.getPrototypeOf(node) !== null)
      return undefined;
    for (const key in node) {
      if (!storable(key)) {
        return { field: fieldName(path, root), message: `has a key that ${unstorableText}` };
      }
      path.push(key);
      const problem = walk((node as Record<string, unknown>)[key], depth + 1);
      path.pop();
      if (problem) return problem;
    }
    return undefined;
  }

  return walk(value, 1);
}
