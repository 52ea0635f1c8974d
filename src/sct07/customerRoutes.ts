import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { principalOf } from "../auth/principal.js";
import { mergeCustomers } from "../customers/merge.js";
import {
  type AddressInput,
  addIdentity,
  createCustomer,
  getCustomer,
  listCustomers,
  removeIdentity,
  updateCustomer,
} from "../customers/service.js";
import { identityKinds } from "../db/schema/index.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json, apiKeySecurity as security } from "../http/openapiParts.js";
import { paginationOf, paginationQuery, paginationSchema } from "../http/pagination.js";
import { callerContext, customerNotFound, type Sct07Deps, tags } from "./deps.js";
import {
  createCustomerSchema,
  customerParam,
  customerSchema,
  customerView,
  identityInputSchema,
  identityParam,
  mergeSchema,
  updateCustomerSchema,
} from "./schemas.js";

const base = "/api/v1/customers";
const read = requireScope("customers:read");
const write = requireScope("customers:write");
const one = { content: json(customerSchema) };

const routes = {
  create: createRoute({
    method: "post",
    path: base,
    tags: tags.customers,
    security,
    middleware: [write],
    summary: "Create a customer with its addresses (scope customers:write)",
    description:
      "An address another customer already holds is not taken: it is listed in `possible_duplicates` for an agent to merge, or not.",
    request: { body: { required: true, content: json(createCustomerSchema) } },
    responses: { 201: { description: "Created", ...one }, ...errorResponses("v1", [400, 401, 403]) },
  }),
  list: createRoute({
    method: "get",
    path: base,
    tags: tags.customers,
    security,
    middleware: [read],
    summary: "List customers, newest first; by a name prefix or by one address (scope customers:read)",
    request: {
      query: paginationQuery({ perPage: 20, maxPerPage: 100 }).extend({
        q: z.string().min(1).max(100).optional().openapi({ description: "Name prefix" }),
        kind: z
          .enum(identityKinds)
          .optional()
          .openapi({ description: "With value: customers holding that address" }),
        value: z.string().min(1).max(200).optional(),
      }),
    },
    responses: {
      200: {
        description: "A page of customers",
        content: json(z.object({ data: z.array(customerSchema), pagination: paginationSchema })),
      },
      ...errorResponses("v1", [400, 401, 403]),
    },
  }),
  get: createRoute({
    method: "get",
    path: `${base}/{customer_id}`,
    tags: tags.customers,
    security,
    middleware: [read],
    summary:
      "A customer with its identities; a merged customer's id answers with the survivor (scope customers:read)",
    request: { params: customerParam },
    responses: { 200: { description: "The customer", ...one }, ...errorResponses("v1", [401, 403, 404]) },
  }),
  update: createRoute({
    method: "patch",
    path: `${base}/{customer_id}`,
    tags: tags.customers,
    security,
    middleware: [write],
    summary: "Change a customer's profile, preferences and primary e-mail or phone (scope customers:write)",
    request: { params: customerParam, body: { required: true, content: json(updateCustomerSchema) } },
    responses: {
      200: { description: "The customer", ...one },
      ...errorResponses("v1", [400, 401, 403, 404, 409]),
    },
  }),
  addIdentity: createRoute({
    method: "post",
    path: `${base}/{customer_id}/identities`,
    tags: tags.customers,
    security,
    middleware: [write],
    summary: "Give the customer an address (scope customers:write)",
    description:
      "201 when the address is new to the customer, 200 when they held it already. An address another customer holds is 409 and recorded as a possible duplicate: addresses never move silently. A second CIF is 409: a customer has one.",
    request: { params: customerParam, body: { required: true, content: json(identityInputSchema) } },
    responses: {
      200: { description: "Held already", ...one },
      201: { description: "Added", ...one },
      ...errorResponses("v1", [400, 401, 403, 404, 409]),
    },
  }),
  removeIdentity: createRoute({
    method: "delete",
    path: `${base}/{customer_id}/identities/{identity_id}`,
    tags: tags.customers,
    security,
    middleware: [write],
    summary: "Remove an address from the customer (scope customers:write)",
    request: { params: identityParam },
    responses: { 204: { description: "Removed" }, ...errorResponses("v1", [401, 403, 404]) },
  }),
  merge: createRoute({
    method: "post",
    path: `${base}/merge`,
    tags: tags.customers,
    security,
    middleware: [write],
    summary: "Merge two customers into one (scope customers:write)",
    description:
      "In one transaction: the merged customer's identities, tickets, journeys, sessions and timeline move to the survivor, and a customer.merged event is written. The merged id then answers with the survivor. Two customers with different CIFs are refused (409).",
    request: { body: { required: true, content: json(mergeSchema) } },
    responses: {
      200: { description: "The survivor", ...one },
      ...errorResponses("v1", [400, 401, 403, 404, 409]),
    },
  }),
};

/** The addresses a create or update body names, as identities. */
function addressesOf(body: {
  email?: string | undefined;
  phone?: string | undefined;
  identifier?: string | undefined;
}) {
  const addresses: AddressInput[] = [];
  if (body.identifier) addresses.push({ kind: "cif", value: body.identifier });
  if (body.email) addresses.push({ kind: "email", value: body.email });
  if (body.phone) addresses.push({ kind: "phone", value: body.phone });
  return addresses;
}

const profileOf = (body: z.infer<typeof updateCustomerSchema>) => ({
  name: body.name,
  branchCode: body.branch_code,
  department: body.department,
  preferredLanguage: body.preferred_language,
  notificationChannel: body.notification_channel,
  optOuts: body.opt_outs,
});

export function registerCustomerRoutes(app: OpenAPIHono<HubEnv>, deps: Sct07Deps): void {
  const { db } = deps;
  app.openapi(routes.create, async (c) => {
    const body = c.req.valid("json");
    const ctx = await callerContext(db, principalOf(c));
    const extra = (body.identities ?? []).map((i) => ({
      kind: i.kind,
      value: i.value,
      verified: i.verified,
      verifiedVia: i.verified_via,
    }));
    const customer = await createCustomer(db, ctx, { ...profileOf(body), name: body.name }, [
      ...addressesOf(body),
      ...extra,
    ]);
    return c.json(customerView(customer), 201);
  });
  app.openapi(routes.list, async (c) => {
    const { q, kind, value, ...page } = c.req.valid("query");
    if ((kind === undefined) !== (value === undefined))
      throw errors.validation({ [kind === undefined ? "kind" : "value"]: "kind and value go together" });
    const ctx = await callerContext(db, principalOf(c));
    const { items, total } = await listCustomers(
      db,
      ctx.tenantId,
      { q, kind, value },
      page,
      ctx.defaultRegion,
    );
    const data = items.map((row) => customerView({ ...row, identities: [], possibleDuplicates: [] }));
    return c.json({ data, pagination: paginationOf(page, total) }, 200);
  });
  app.openapi(routes.get, async (c) => {
    const customer = await getCustomer(db, principalOf(c).tenantId, c.req.valid("param").customer_id);
    if (!customer) throw customerNotFound();
    return c.json(customerView(customer), 200);
  });
  app.openapi(routes.update, async (c) => {
    const body = c.req.valid("json");
    const ctx = await callerContext(db, principalOf(c));
    const result = await updateCustomer(
      db,
      ctx,
      c.req.valid("param").customer_id,
      profileOf(body),
      addressesOf(body),
    );
    if (!result.ok) throw customerNotFound();
    const [conflict] = result.conflicts;
    if (conflict)
      throw errors.conflict(
        `That ${conflict.kind} belongs to another customer; recorded as a possible duplicate`,
        {
          [conflict.kind]: `held by ${conflict.otherCustomerId}`,
        },
      );
    return c.json(customerView(result.customer), 200);
  });
  app.openapi(routes.addIdentity, async (c) => {
    const body = c.req.valid("json");
    const ctx = await callerContext(db, principalOf(c));
    const result = await addIdentity(db, ctx, c.req.valid("param").customer_id, {
      kind: body.kind,
      value: body.value,
      verified: body.verified,
      verifiedVia: body.verified_via,
    });
    if (!result.ok) {
      switch (result.reason) {
        case "not_found":
          throw customerNotFound();
        case "held_by_other":
          throw errors.conflict(
            "This address belongs to another customer; recorded as a possible duplicate",
            { value: `held by ${result.otherCustomerId}` },
          );
        case "other_cif_held":
          throw errors.conflict("A customer has one CIF, and this one has another", {
            value: `the customer's CIF is ${result.cif}`,
          });
      }
    }
    return c.json(customerView(result.customer), result.created ? 201 : 200);
  });
  app.openapi(routes.removeIdentity, async (c) => {
    const { customer_id, identity_id } = c.req.valid("param");
    const ctx = await callerContext(db, principalOf(c));
    if (!(await removeIdentity(db, ctx, customer_id, identity_id)))
      throw errors.notFound("Identity not found");
    return c.body(null, 204);
  });
  app.openapi(routes.merge, async (c) => {
    const { survivor_id, merged_id } = c.req.valid("json");
    const ctx = await callerContext(db, principalOf(c));
    const result = await mergeCustomers(db, ctx.tenantId, survivor_id, merged_id, ctx.actor);
    if (!result.ok) {
      switch (result.reason) {
        case "not_found":
          throw errors.validation({ [result.field]: "no such customer in this tenant" });
        case "same_customer":
          throw errors.validation({ merged_id: "must differ from survivor_id" });
        case "already_merged":
          throw errors.conflict(`That customer was already merged into ${result.into}`, {
            [result.field]: `merged into ${result.into}`,
          });
        case "different_cifs":
          throw errors.conflict("Customers with different CIFs are different bank customers", {
            merged_id: "has another CIF than survivor_id",
          });
      }
    }
    const survivor = await getCustomer(db, ctx.tenantId, result.survivorId);
    if (!survivor) throw customerNotFound();
    return c.json(customerView(survivor), 200);
  });
}
