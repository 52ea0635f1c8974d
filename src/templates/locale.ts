/**
 * The locales tried for a recipient, most specific first: `id-ID` → `id` → the fallback (`en`).
 * Tags compare case-insensitively, as BCP 47 says; `_` is read as `-` (`id_ID` from older systems).
 */
export function localeChain(preferred: string | null | undefined, fallback: string): string[] {
  const chain: string[] = [];
  const add = (tag: string) => {
    const normal = normaliseLocale(tag);
    if (normal && !chain.includes(normal)) chain.push(normal);
  };
  if (preferred) {
    const parts = normaliseLocale(preferred).split("-");
    for (let n = parts.length; n >= 1; n--) add(parts.slice(0, n).join("-"));
  }
  add(fallback);
  return chain;
}

/** `ID_id` → `id-ID`: language lower case, region upper case, script title case. */
export function normaliseLocale(tag: string): string {
  return tag
    .trim()
    .replace(/_/g, "-")
    .split("-")
    .filter((p) => p !== "")
    .map((part, i) => {
      if (i === 0) return part.toLowerCase();
      if (part.length === 2) return part.toUpperCase();
      if (part.length === 4) return part[0]?.toUpperCase() + part.slice(1).toLowerCase();
      return part.toLowerCase();
    })
    .join("-");
}

/** The first locale of the chain that has a variant, if any does. */
export function pickLocale(chain: readonly string[], available: readonly string[]): string | undefined {
  const normal = new Map(available.map((a) => [normaliseLocale(a), a]));
  for (const tag of chain) {
    const hit = normal.get(tag);
    if (hit !== undefined) return hit;
  }
  return undefined;
}
