import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

type DeskComment = { id: string; content: string; isInternal: boolean };
type DeskDetail = { data: { comments: DeskComment[]; commentsNextCursor: string | null } };
type PartnerDetail = { comments: Array<{ content: string }>; commentsNextCursor?: string };

let hub: TestHub;
let key: string;
let tenantId: string;
let busy: string;
let quiet: string;
/** The busy ticket's comments as written, oldest first. */
const written: Array<{ content: string; internal: boolean }> = [];

async function call<T>(method: string, path: string, body?: unknown) {
  const res = await hub.request(path, {
    method,
    headers: { ...bearer(key), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function newTicket(): Promise<string> {
  const res = await call<{ ticketNumber: string }>("POST", "/api/omnichannel/tickets", {
    channel: "EMAIL",
    serviceType: "INQUIRY",
    customer: { name: "Jane Smith", email: "jane.paging@email.com" },
    ticket: { title: "Many comments", description: "Chatty", priority: "LOW" },
  });
  expect(res.status).toBe(201);
  return res.body.ticketNumber;
}

/** Reads every page of the ticket's comments by cursor; the pages come newest first. */
async function allPages<T>(
  first: string,
  pageOf: (body: T) => { comments: Array<{ content: string }>; next: string | null | undefined },
): Promise<{ contents: string[]; pages: number }> {
  const pages: string[][] = [];
  let path: string | undefined = first;
  while (path) {
    const res: { status: number; body: T } = await call<T>("GET", path);
    expect(res.status).toBe(200);
    const page = pageOf(res.body);
    pages.push(page.comments.map((c) => c.content));
    path = page.next ? `${first}&commentsCursor=${page.next}` : undefined;
    if (pages.length > 100) throw new Error("the comments never ended");
  }
  return { contents: pages.reverse().flat(), pages: pages.length };
}

beforeAll(async () => {
  hub = await createTestHub();
  const made = await hub.createTenantWithKey("comment-paging", [
    "omnichannel:create",
    "omnichannel:read",
    "omnichannel:update",
    "desk:read",
  ]);
  key = made.key;
  tenantId = made.tenantId;
  busy = await newTicket();
  quiet = await newTicket();
  // 1,203 comments a minute apart, every tenth an agents' note; some share their instant.
  await hub.db.execute(sql`INSERT INTO ticket_comments (id, tenant_id, ticket_id, content, author_name,
      author_type, is_from_support, is_internal, created_at)
    SELECT 'cmt_paging_' || lpad(c::text, 5, '0'), ${tenantId}, t.id, 'comment ' || c, 'Agent', 'agent', true,
      c % 10 = 0, timestamptz '2025-01-01' + (c / 3) * interval '1 minute'
    FROM tickets t, generate_series(1, 1203) c
    WHERE t.tenant_id = ${tenantId} AND t.number = ${Number(busy)}`);
  for (let c = 1; c <= 1203; c++) written.push({ content: `comment ${c}`, internal: c % 10 === 0 });
  const reply = await call("PATCH", `/api/omnichannel/tickets/${busy}`, {
    action: "ADD_COMMENT",
    comment: "the newest, through the API",
  });
  expect(reply.status).toBe(200);
  // The partner API prefixes what a partner writes (document 002).
  written.push({ content: "[Via Omnichannel] the newest, through the API", internal: false });
});
afterAll(async () => {
  await hub.close();
});

describe("a ticket with thousands of comments", () => {
  it("desk detail shows the newest 50, oldest first, and pages back to the first by cursor", async () => {
    const first = await call<DeskDetail>("GET", `/api/v1/desk/tickets/${busy}`);
    expect(first.body.data.comments.map((c) => c.content)).toEqual(written.slice(-50).map((c) => c.content));
    const walked = await allPages<DeskDetail>(`/api/v1/desk/tickets/${busy}?commentsLimit=200`, (body) => ({
      comments: body.data.comments,
      next: body.data.commentsNextCursor,
    }));
    expect(walked.contents).toEqual(written.map((c) => c.content));
    expect(walked.pages).toBe(7);
  });

  it("partner detail shows the newest 500 public ones as the document does, and more by cursor", async () => {
    const publicOnes = written.filter((c) => !c.internal).map((c) => c.content);
    const first = await call<PartnerDetail>("GET", `/api/omnichannel/tickets/${busy}`);
    expect(first.body.comments.map((c) => c.content)).toEqual(publicOnes.slice(-500));
    expect(first.body.commentsNextCursor).toEqual(expect.any(String));
    const walked = await allPages<PartnerDetail>(
      `/api/omnichannel/tickets/${busy}?commentsLimit=300`,
      (body) => ({
        comments: body.comments,
        next: body.commentsNextCursor,
      }),
    );
    expect(walked.contents).toEqual(publicOnes);
  });

  it("answers a ticket with few comments exactly as before: all of them, no cursor", async () => {
    const res = await call<PartnerDetail & Record<string, unknown>>(
      "GET",
      `/api/omnichannel/tickets/${quiet}`,
    );
    expect(res.body.comments).toEqual([]);
    expect(res.body).not.toHaveProperty("commentsNextCursor");
    const desk = await call<DeskDetail>("GET", `/api/v1/desk/tickets/${quiet}`);
    expect(desk.body.data.commentsNextCursor).toBeNull();
  });

  it("refuses a cursor it did not give out and a limit out of range, naming the field", async () => {
    const desk = await call<{ error: { fields: Record<string, string> } }>(
      "GET",
      `/api/v1/desk/tickets/${busy}?commentsLimit=201`,
    );
    expect(desk.status).toBe(400);
    expect(desk.body.error.fields.commentsLimit).toBe("commentsLimit must be at most 200");
    const partner = await call<{ success: false; errors: Record<string, string> }>(
      "GET",
      `/api/omnichannel/tickets/${busy}?commentsCursor=abc`,
    );
    expect(partner.status).toBe(400);
    expect(partner.body.errors.commentsCursor).toBe("commentsCursor is not a cursor this API gave out");
  });
});
