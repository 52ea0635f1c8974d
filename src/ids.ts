import { uuidv7 } from "uuidv7";

/** Prefixes say what an id names wherever it shows up: logs, URLs, support tickets. */
export const idPrefixes = {
  tenant: "ten",
  apiKey: "key",
  event: "evt",
  customer: "cus",
  ticket: "tkt",
  comment: "cmt",
  attachment: "att",
  slaPolicy: "sla",
} as const;

export type IdKind = keyof typeof idPrefixes;

/** Time-ordered (UUIDv7) so ids sort by creation and index inserts stay append-only. */
export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${uuidv7().replaceAll("-", "")}`;
}
