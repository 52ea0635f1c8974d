import { type Priority, priorities, type ServiceType, serviceTypes } from "../tickets/vocabulary.js";
import type { SlaTargets } from "./clock.js";

const hour = 60;

/** The general targets by priority. A HIGH technical ticket answers within 6 hours and resolves within 24. */
const generalDefaults: Record<Priority, SlaTargets> = {
  CRITICAL: { responseMinutes: 2 * hour, resolutionMinutes: 8 * hour },
  HIGH: { responseMinutes: 6 * hour, resolutionMinutes: 24 * hour },
  MEDIUM: { responseMinutes: 12 * hour, resolutionMinutes: 48 * hour },
  LOW: { responseMinutes: 24 * hour, resolutionMinutes: 72 * hour },
};

/** A claim (KLAIM-OMNI) resolves within 72 hours whatever its priority, as the document's example shows. */
const claimResolutionMinutes = 72 * hour;

/** The built-in targets of a service type and priority, used where a tenant has no rule of its own. */
export function defaultSlaPolicy(serviceType: ServiceType | null, priority: Priority): SlaTargets {
  const general = generalDefaults[priority];
  return serviceType === "CLAIM" ? { ...general, resolutionMinutes: claimResolutionMinutes } : general;
}

/** A tenant's stored rule; serviceType null applies to every service type without a rule of its own. */
export type TenantSlaRule = {
  readonly serviceType: string | null;
  readonly priority: Priority;
  readonly responseMinutes: number;
  readonly resolutionMinutes: number;
};

export type PolicySource = "tenant" | "tenant_any_service_type" | "built_in";

export type EffectivePolicy = SlaTargets & {
  serviceType: ServiceType | null;
  priority: Priority;
  source: PolicySource;
};

/**
 * Which targets apply: the tenant's rule for this service type and priority, else its rule for the
 * priority and any service type, else the built-in default. `rules` may hold any of the tenant's rules.
 */
export function pickSlaPolicy(
  rules: readonly TenantSlaRule[],
  serviceType: ServiceType | null,
  priority: Priority,
): EffectivePolicy {
  const ofPriority = rules.filter((r) => r.priority === priority);
  const exact = serviceType === null ? undefined : ofPriority.find((r) => r.serviceType === serviceType);
  const general = ofPriority.find((r) => r.serviceType === null);
  const [rule, source]: [TenantSlaRule | undefined, PolicySource] = exact
    ? [exact, "tenant"]
    : general
      ? [general, serviceType === null ? "tenant" : "tenant_any_service_type"]
      : [undefined, "built_in"];
  const targets = rule ?? defaultSlaPolicy(serviceType, priority);
  return {
    serviceType,
    priority,
    source,
    responseMinutes: targets.responseMinutes,
    resolutionMinutes: targets.resolutionMinutes,
  };
}

/**
 * Every row of a tenant's effective table: first the rule for "any service type" of each priority,
 * then each service type and priority.
 */
export function effectivePolicies(rules: readonly TenantSlaRule[]): EffectivePolicy[] {
  return [null, ...serviceTypes].flatMap((serviceType) =>
    priorities.map((priority) => pickSlaPolicy(rules, serviceType, priority)),
  );
}

/** The admin API speaks hours (decimals allowed); the table stores whole minutes. */
export function minutesFromHours(hours: number): number {
  return Math.round(hours * hour);
}

export function hoursFromMinutes(minutes: number): number {
  return minutes / hour;
}
