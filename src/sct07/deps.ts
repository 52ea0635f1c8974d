import type { Principal } from "../auth/principal.js";
import { actorOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { ResumeFailure } from "../sessions/service.js";
import { tenantProfile } from "../tenants/profile.js";
import type { SessionChannel } from "./levels.js";

export type Sct07Deps = { db: Database; handoffTokenTtlMs: number };

export const tags = {
  customers: ["SCT07: customers"],
  sessions: ["SCT07: sessions"],
  insights: ["SCT07: profile and analytics"],
};

/** What a service call needs from the caller: tenant, actor, the tenant's level and phone region. */
export async function callerContext(db: Database, principal: Principal) {
  const profile = await tenantProfile(db, principal.tenantId);
  return {
    tenantId: principal.tenantId,
    actor: actorOf(principal),
    level: profile.level,
    defaultRegion: profile.defaultRegion,
  };
}

export const customerNotFound = () => errors.notFound("Customer not found");

/** SCT07's answer to a refusal by the tenant's level. */
export function levelRefused(
  refusal: { reason: "level_channel"; channel: SessionChannel } | { reason: "level_handoff" },
  level: string,
  field: string,
): never {
  switch (refusal.reason) {
    case "level_handoff":
      throw errors.forbidden(`This tenant's level (${level}) does not include session handoff`, {
        level: "session handoff needs the standard or advanced level",
      });
    case "level_channel":
      throw errors.forbidden(
        `This tenant's level (${level}) does not include the ${refusal.channel} channel`,
        {
          [field]: `not included in the ${level} level`,
        },
      );
  }
}

/** Each way a resume can fail has its own status, and changes nothing. */
export function resumeRefused(reason: ResumeFailure, expected?: string): never {
  switch (reason) {
    case "unknown_token":
      throw errors.notFound("Handoff token not found");
    case "other_tenant":
      throw errors.forbidden("This handoff token belongs to another tenant", {
        handoff_token: "issued to another tenant",
      });
    case "used":
      throw errors.conflict("This handoff token was already used", { handoff_token: "already used" });
    case "expired":
      throw errors.gone("This handoff token has expired", { handoff_token: "expired" });
    case "wrong_channel":
      throw errors.unprocessable(`This handoff token is for the ${expected} channel`, {
        channel: `the token is for ${expected}`,
      });
  }
}
