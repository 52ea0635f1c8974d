import type { Principal } from "../auth/principal.js";

/** The variables every request context carries. */
export type HubEnv = {
  Variables: {
    requestId: string;
    principal: Principal | undefined;
  };
};
