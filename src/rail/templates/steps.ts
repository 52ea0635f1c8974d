import type { FieldErrors } from "../../errors.js";
import type { TemplateStep } from "./vocabulary.js";

/**
 * The rules a template's steps must keep together, beyond each step's own schema: unique ids,
 * orders 1..n without gaps or repeats, and each type's own fields on that type only. Returns the
 * problems by field path (steps.2.order), empty when the steps fit.
 */
export function stepProblems(steps: readonly TemplateStep[]): FieldErrors {
  const problems: FieldErrors = {};
  const seenIds = new Map<string, number>();
  const seenOrders = new Map<number, number>();
  steps.forEach((step, i) => {
    const at = `steps.${i}`;
    const firstWithId = seenIds.get(step.id);
    if (firstWithId !== undefined)
      problems[`${at}.id`] = `step id ${step.id} is already used by steps.${firstWithId}`;
    else seenIds.set(step.id, i);
    const firstWithOrder = seenOrders.get(step.order);
    if (firstWithOrder !== undefined)
      problems[`${at}.order`] = `order ${step.order} is already used by steps.${firstWithOrder}`;
    else seenOrders.set(step.order, i);
    if (step.order > steps.length)
      problems[`${at}.order`] ??= `orders must run 1 to ${steps.length} without gaps`;

    if (step.type === "document_upload" && !step.documentsRequired?.length)
      problems[`${at}.documentsRequired`] = "a document_upload step names the documentsRequired";
    if (step.type !== "document_upload" && step.documentsRequired !== undefined)
      problems[`${at}.documentsRequired`] = "only a document_upload step takes documentsRequired";
    if (step.type === "approval" && !step.approvalRoleRequired)
      problems[`${at}.approvalRoleRequired`] = "an approval step names the approvalRoleRequired";
    if (step.type !== "approval" && step.approvalRoleRequired !== undefined)
      problems[`${at}.approvalRoleRequired`] = "only an approval step takes approvalRoleRequired";
  });
  return problems;
}

/** The steps in the order a journey walks them. */
export function orderedSteps(steps: readonly TemplateStep[]): TemplateStep[] {
  return [...steps].sort((a, b) => a.order - b.order);
}
