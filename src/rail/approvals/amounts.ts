import type { Money } from "../../db/schema/index.js";

function isMoney(value: unknown): value is Money {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.amount === "number" && Number.isFinite(v.amount) && typeof v.currency === "string";
}

/**
 * The amounts an approval is about: every top-level value of approvalData shaped as money
 * (`{ amount, currency }`, such as the document's facilityAmount). A delegate's limit must cover
 * each of them; an approval without one has no amount to exceed a limit.
 */
export function approvalAmounts(approvalData: Record<string, unknown>): Money[] {
  return Object.values(approvalData).filter(isMoney);
}
