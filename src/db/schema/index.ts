export * from "./apiKeys.js";
export * from "./events.js";
export * from "./tenants.js";
