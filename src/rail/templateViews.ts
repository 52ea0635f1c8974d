import type { z } from "@hono/zod-openapi";
import type { templateSchema } from "./templateSchemas.js";
import type { Template } from "./templates/service.js";

export function templateView({ row, version }: Template): z.infer<typeof templateSchema> {
  return {
    id: row.id,
    name: version.name,
    description: version.description,
    category: version.category,
    status: row.status,
    version: version.version,
    steps: version.steps,
    estimatedDurationDays: version.estimatedDurationDays,
    slaHours: version.slaHours,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
