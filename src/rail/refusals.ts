import { errors } from "../errors.js";
import { refusalMessage } from "./journeys/lifecycle.js";
import type { ApprovalGate } from "./journeys/ports.js";
import type { JourneyFailure } from "./journeys/service.js";
import { allowedStatusMoves, type TemplateFailure } from "./templates/service.js";

/** The Rail's answer to a template change the service refused. */
export function templateRefused(failure: TemplateFailure): never {
  switch (failure.reason) {
    case "not_found":
      throw errors.notFound("Template not found");
    case "id_taken":
      throw errors.conflict(`Template ${failure.id} already exists`, { id: "already taken" });
    case "archived":
      throw errors.conflict("An archived template can no longer change", { id: "template is archived" });
    case "invalid_status_move": {
      const allowed = allowedStatusMoves(failure.from);
      const instead =
        allowed.length > 0
          ? `a ${failure.from} template may become ${allowed.join(", ")}`
          : `${failure.from} is final`;
      throw errors.conflict(`Cannot make a ${failure.from} template ${failure.to}: ${instead}`, {
        status: `Cannot change status from ${failure.from} to ${failure.to}`,
      });
    }
  }
}

/** The Rail's answer to a journey action the service refused. */
export function journeyRefused(failure: JourneyFailure, approvals: ApprovalGate): never {
  switch (failure.reason) {
    case "not_found":
      throw errors.notFound("Journey not found");
    case "staff_refused":
      throw errors.validation(
        { [failure.field]: failure.problem },
        failure.problem.charAt(0).toUpperCase() + failure.problem.slice(1),
      );
    case "template_not_found":
      throw errors.validation({ templateId: `No template ${failure.templateId} in this tenant` });
    case "template_not_active":
      throw errors.conflict(
        `Journeys start only from active templates; ${failure.templateId} is ${failure.status}`,
        {
          templateId: `template is ${failure.status}`,
        },
      );
    case "invalid_move":
      throw errors.conflict(refusalMessage(failure.action, failure.from), {
        status: `journey is ${failure.from}`,
      });
    case "no_current_step":
      throw errors.conflict("Every step of this journey is done; complete it", {
        completedStepId: "the journey has no current step",
      });
    case "not_current_step":
      throw errors.conflict(
        `${failure.stepId} is not the current step; the current step is ${failure.currentStepId}`,
        {
          completedStepId: `the current step is ${failure.currentStepId}`,
        },
      );
    case "required_step_skipped":
      throw errors.conflict(`Step ${failure.stepId} is required and cannot be skipped`, {
        stepOutcome: "a required step is passed or failed, not skipped",
      });
    case "approval_missing":
      throw errors.conflict(approvals.refusal(failure.stepId), { completedStepId: "no approved approval" });
    case "required_steps_left":
      throw errors.conflict(`Required steps are not done: ${failure.stepIds.join(", ")}`, {
        status: "required steps remain",
      });
  }
}
