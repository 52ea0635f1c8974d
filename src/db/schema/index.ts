export * from "./apiKeys.js";
export * from "./catalogue.js";
export * from "./customers.js";
export * from "./events.js";
export * from "./idempotency.js";
export * from "./sla.js";
export * from "./tenants.js";
export * from "./tickets.js";
