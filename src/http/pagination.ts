import { z } from "@hono/zod-openapi";

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
