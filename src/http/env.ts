import type { Principal } from "../auth/principal.js";

/** The variables every request context carries. */
export type HubEnv = {
  Variables: {
    requestId: string;
    principal: Principal | undefined;
    /** The route that answered in an app the hub forwarded to (src/http/forwardedApp.ts), for the metrics. */
    forwardedRoute: string | undefined;
  };
};
