import { z } from "@hono/zod-openapi";
import type { TeamRow, UserRow } from "../db/schema/index.js";

/**
 * The bank's own id of a user or team (`usr_rm_001`, `team_credit`). `label` starts the messages,
 * for API families whose messages name their field ("authorId is required").
 */
export const staffId = (example: string, label?: string) => {
  const say = (message: string) => (label ? `${label} ${message}` : message);
  return z
    .string({ error: say("is required") })
    .min(1, say("is required"))
    .max(100, say("must be at most 100 characters"))
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/,
      say("must be letters, digits, _ . : @ or -, starting with a letter or digit"),
    )
    .openapi({ example });
};

const text = (max: number, example: string) =>
  z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required")
    .max(max, `must be at most ${max} characters`)
    .openapi({ example });

export const teamIdParam = z.object({
  teamId: staffId("team_credit").openapi({ param: { name: "teamId", in: "path" } }),
});
export const userIdParam = z.object({
  userId: staffId("usr_rm_001").openapi({ param: { name: "userId", in: "path" } }),
});

export const saveTeamBody = z
  .object({ name: text(200, "Credit Committee") }, { error: "must be an object" })
  .openapi("SaveTeam");

export const saveUserBody = z
  .object(
    {
      name: text(200, "Ahmed Al-Rashidi"),
      role: text(100, "relationship_manager"),
      teamId: staffId("team_sme")
        .nullable()
        .optional()
        .openapi({ description: "An existing team; null or absent: none" }),
      email: z
        .email("must be an e-mail address")
        .max(254)
        .transform((a) => a.toLowerCase())
        .nullable()
        .optional()
        .openapi({
          example: "ahmed.rashidi@bank.example",
          description:
            "The user's work address: notifications to the user on email go there. Null or absent: none",
        }),
      active: z.boolean({ error: "must be true or false" }).optional().openapi({
        description:
          "false: the user stays on record (decisions and timelines name them) but can act no more",
      }),
    },
    { error: "must be an object" },
  )
  .openapi("SaveUser");

export const listUsersQuery = z.object({
  teamId: staffId("team_sme").optional(),
  role: z.string().max(100).optional().openapi({ example: "relationship_manager" }),
});

export const teamSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: z.string(), updatedAt: z.string() })
  .openapi("Team");

export const userSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.string(),
    teamId: z.string().nullable(),
    email: z.string().nullable(),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("User");

export function teamView(t: TeamRow): z.infer<typeof teamSchema> {
  return {
    id: t.id,
    name: t.name,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export function userView(u: UserRow): z.infer<typeof userSchema> {
  return {
    id: u.id,
    name: u.name,
    role: u.role,
    teamId: u.teamId,
    email: u.email,
    active: u.active,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}
