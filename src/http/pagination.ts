import { z } from "@hono/zod-openapi";
import type { KeysetPosition } from "../db/keyset.js";

/** One pagination shape for every list: ?page=&perPage= in, { page, perPage, total } out. */
export function paginationQuery(defaults: { perPage: number; maxPerPage: number }) {
  return z.object({
    page: z.coerce.number().int().min(1).default(1).openapi({ example: 1 }),
    perPage: z.coerce
      .number()
      .int()
      .min(1)
      .max(defaults.maxPerPage)
      .default(defaults.perPage)
      .openapi({ example: defaults.perPage }),
  });
}

export type PageRequest = { page: number; perPage: number };

export const paginationSchema = z
  .object({ page: z.number().int(), perPage: z.number().int(), total: z.number().int() })
  .openapi("Pagination");

export type Pagination = z.infer<typeof paginationSchema>;

export function pageWindow({ page, perPage }: PageRequest): { limit: number; offset: number } {
  return { limit: perPage, offset: (page - 1) * perPage };
}

export function paginationOf(request: PageRequest, total: number): Pagination {
  return { page: request.page, perPage: request.perPage, total };
}

const exactTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const plainId = /^[A-Za-z0-9_-]{1,100}$/;

/** An opaque cursor for a keyset position (src/db/keyset.ts): clients pass it back, never read it. */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(`${position.at}|${position.id}`, "utf8").toString("base64url");
}

/** The position a cursor names, or undefined for anything this API did not give out. */
export function decodeCursor(raw: string): KeysetPosition | undefined {
  const [at, id, ...rest] = Buffer.from(raw, "base64url").toString("utf8").split("|");
  if (rest.length > 0 || !at || !id || !exactTime.test(at) || !plainId.test(id)) return undefined;
  return { at, id };
}

/** A cursor query parameter named `name`: one this API gave out, or a 400 naming the field. */
export function cursorParam(name: string, description: string) {
  return z
    .string()
    .max(300)
    .refine((raw) => decodeCursor(raw) !== undefined, {
      message: `${name} is not a cursor this API gave out`,
    })
    .optional()
    .openapi({ description });
}

/**
 * ?commentsCursor=&commentsLimit=: a ticket's comments by keyset, the newest `limit` first (shown
 * oldest first), then the ones before them by the cursor the answer gives (commentsNextCursor).
 */
export function commentPageQuery(defaults: { limit: number; maxLimit: number }) {
  return z.object({
    commentsCursor: cursorParam(
      "commentsCursor",
      "The comments before these: the commentsNextCursor of the answer before",
    ),
    commentsLimit: z.coerce
      .number({ error: "commentsLimit must be a number" })
      .int("commentsLimit must be a whole number")
      .min(1, "commentsLimit must be at least 1")
      .max(defaults.maxLimit, `commentsLimit must be at most ${defaults.maxLimit}`)
      .default(defaults.limit)
      .openapi({ description: `How many of the newest comments (default ${defaults.limit})` }),
  });
}
