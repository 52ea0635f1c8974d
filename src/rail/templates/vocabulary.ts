/** The words of journey templates, as document 001 and its examples use them. */
export const templateCategories = ["onboarding", "servicing", "sales"] as const;
export type TemplateCategory = (typeof templateCategories)[number];

/** draft → active → archived, and nothing else (see templates/service.ts statusMoves). */
export const templateStatuses = ["draft", "active", "archived"] as const;
export type TemplateStatus = (typeof templateStatuses)[number];

/**
 * Step types a template may use. document_upload names its documentsRequired and approval its
 * approvalRoleRequired; every type may carry timeoutHours.
 */
export const stepTypes = [
  "kyc_check",
  "document_upload",
  "approval",
  "credit_check",
  "review",
  "signature",
  "form",
  "manual_task",
] as const;
export type StepType = (typeof stepTypes)[number];

/** One step of a template version, as stored and as the API shows it. */
export type TemplateStep = {
  id: string;
  name: string;
  type: StepType;
  order: number;
  required: boolean;
  timeoutHours?: number | undefined;
  documentsRequired?: string[] | undefined;
  approvalRoleRequired?: string | undefined;
};
