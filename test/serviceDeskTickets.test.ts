import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customers, events, tickets } from "../src/db/schema/index.js";
import { docExamples, type Partner, partnerOf, tinyPngBase64 } from "./support/serviceDesk.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
let partner: Partner;
beforeAll(async () => {
  hub = await createTestHub();
  partner = await partnerOf(hub, "tickets-bank");
});
afterAll(async () => {
  await hub.close();
});

const hours = (h: number) => h * 3600 * 1000;
const withoutRequestId = (body: typeof docExamples.ticket) => ({
  ...body,
  integration: { ...body.integration, requestId: undefined },
});

async function ticketRow(ticketId: string) {
  const [row] = await hub.db.select().from(tickets).where(eq(tickets.id, ticketId));
  if (!row) throw new Error("no ticket row");
  return row;
}

describe("POST /api/omnichannel/tickets", () => {
  it("answers the document's example (with a real image attached) with the documented 201 body", async () => {
    const res = await partner.post("/api/omnichannel/tickets", {
      ...docExamples.ticket,
      attachments: [
        {
          filename: "error_screenshot.png",
          mimeType: "image/png",
          size: 245760,
          content: tinyPngBase64,
          description: "Screenshot of error message",
        },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      status: "OPEN",
      message: "Ticket created successfully",
      trackingUrl: `/tickets/${res.body.ticketNumber}`,
      metadata: { assignedTo: "IT Support Team", supportGroup: "Technical Support", slaHours: 24 },
    });
    const createdAt = new Date(res.body.metadata.createdAt).getTime();
    expect(new Date(res.body.estimatedResolution).getTime() - createdAt).toBe(hours(24));

    const row = await ticketRow(res.body.ticketId);
    expect(row).toMatchObject({
      channel: "WHATSAPP",
      channelReferenceId: "wa_msg_123456",
      serviceType: "TECHNICAL_SUPPORT",
      priority: "HIGH",
      category: "INCIDENT",
      title: "Mobile Banking Login Issue",
      branchCode: "001",
      webhookUrl: "https://your-system.com/webhook",
      partnerId: "PARTNER_001",
      apiVersion: "1.0",
      requestId: "req_123456789",
    });
    expect(row.metadata).toEqual(docExamples.ticket.ticket.metadata);
    expect(row.responseDueAt?.getTime()).toBe(createdAt + hours(6));

    const written = await hub.db.select().from(events).where(eq(events.subjectId, row.id));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      type: "TICKET_CREATED",
      channel: "WHATSAPP",
      actorType: "api_key",
      actorId: partner.keyId,
      payload: { ticketNumber: res.body.ticketNumber, channelReferenceId: "wa_msg_123456", status: "OPEN" },
    });
  });

  it("answers the document's use cases", async () => {
    const mobile = await partner.post("/api/omnichannel/tickets", docExamples.mobileBanking);
    expect(mobile.status).toBe(201);
    expect(mobile.body.metadata).toMatchObject({
      assignedTo: "IT Support Team",
      supportGroup: "Technical Support",
      slaHours: 48,
    });
    const complaint = await partner.post("/api/omnichannel/tickets", docExamples.complaint);
    expect(complaint.status).toBe(201);
    expect(complaint.body.metadata).toMatchObject({ supportGroup: "Customer Service", slaHours: 24 });
  });

  it("generates a title when none is given", async () => {
    const { title: _none, ...ticket } = docExamples.mobileBanking.ticket;
    const res = await partner.post("/api/omnichannel/tickets", { ...docExamples.mobileBanking, ticket });
    expect((await ticketRow(res.body.ticketId)).title).toBe(
      "Mobile Banking Support: App crashes every time I try to check balance",
    );
  });

  it("defaults priority to MEDIUM", async () => {
    const { priority: _none, ...ticket } = docExamples.complaint.ticket;
    const res = await partner.post("/api/omnichannel/tickets", { ...docExamples.complaint, ticket });
    expect((await ticketRow(res.body.ticketId)).priority).toBe("MEDIUM");
  });
});

describe("one customer across tickets", () => {
  const customerOf = async (ticketId: string) => {
    const row = await ticketRow(ticketId);
    const [c] = await hub.db.select().from(customers).where(eq(customers.id, row.customerId));
    if (!c) throw new Error("no customer");
    return c;
  };
  const open = (customer: Record<string, string>) =>
    partner.post("/api/omnichannel/tickets", { ...docExamples.complaint, customer });

  it("matches by identifier, then e-mail, then phone, and fills in what was missing", async () => {
    const first = await customerOf((await open({ name: "Dewi", identifier: "CIF-M1" })).body.ticketId);
    const byIdentifier = await customerOf(
      (await open({ name: "Dewi L.", identifier: "CIF-M1", email: "Dewi@Example.com" })).body.ticketId,
    );
    expect(byIdentifier.id).toBe(first.id);
    expect(byIdentifier.name).toBe("Dewi");
    expect(byIdentifier.email).toBe("dewi@example.com");

    const byEmail = await customerOf(
      (await open({ name: "Dewi", email: "dewi@example.COM", phone: "+62 811-000-111" })).body.ticketId,
    );
    expect(byEmail.id).toBe(first.id);
    expect(byEmail.phone).toBe("+62811000111");

    const byPhone = await customerOf((await open({ name: "Dewi", phone: "+62811000111" })).body.ticketId);
    expect(byPhone.id).toBe(first.id);
  });

  it("links a returning customer with nothing new to add without writing the customer again", async () => {
    const contact = {
      name: "Rina",
      identifier: "CIF-R1",
      email: "rina.r1@example.com",
      phone: "+62811222999",
    };
    const first = await customerOf((await open(contact)).body.ticketId);
    const again = await customerOf((await open({ ...contact, name: "Rina S." })).body.ticketId);
    expect(again.id).toBe(first.id);
    expect(again.name).toBe("Rina");
    expect(again.updatedAt).toEqual(first.updatedAt);
    const created = await hub.db.select().from(events).where(eq(events.subjectId, first.id));
    expect(created.map((e) => e.type)).toEqual(["customer.created"]);

    // One field it did not have yet: the same contact now fills it in.
    const filled = await customerOf((await open({ ...contact, branchCode: "JKT-9" })).body.ticketId);
    expect(filled.id).toBe(first.id);
    expect(filled.branchCode).toBe("JKT-9");
    expect(filled.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
  });

  it("never merges two different CIFs that share an e-mail", async () => {
    const a = await customerOf(
      (await open({ name: "A", identifier: "CIF-A", email: "shared@example.com" })).body.ticketId,
    );
    const b = await customerOf(
      (await open({ name: "B", identifier: "CIF-B", email: "shared@example.com" })).body.ticketId,
    );
    expect(b.id).not.toBe(a.id);
  });

  it("creates a new customer when nothing matches", async () => {
    const a = await customerOf((await open({ name: "Nobody One" })).body.ticketId);
    const b = await customerOf((await open({ name: "Nobody One" })).body.ticketId);
    expect(b.id).not.toBe(a.id);
  });
});

describe("ticket validation names each field", () => {
  it.each([
    [{ channel: undefined }, { channel: "Channel is required" }],
    [
      { channel: "FAX" },
      {
        channel:
          "Channel must be one of WHATSAPP, EMAIL, CHAT, PHONE, SMS, FACEBOOK, INSTAGRAM, TWITTER, TELEGRAM, WEB_PORTAL",
      },
    ],
    [
      { serviceType: "HAIRCUT" },
      { serviceType: expect.stringContaining("Service type must be one of CLAIM") },
    ],
    [{ customer: undefined }, { customer: "Customer is required" }],
    [
      { customer: { email: "not-an-email" } },
      {
        "customer.name": "Customer name is required",
        "customer.email": "Customer email must be a valid email address",
      },
    ],
    [{ ticket: { title: "x" } }, { "ticket.description": "Description is required" }],
    [
      { ticket: { description: "d", priority: "URGENT" } },
      { "ticket.priority": "Priority must be one of LOW, MEDIUM, HIGH, CRITICAL" },
    ],
    [
      { integration: { webhookUrl: "ftp://example.com/hook" } },
      { "integration.webhookUrl": "Webhook URL must be an http(s) URL" },
    ],
  ])("%j", async (change, fields) => {
    const res = await partner.post("/api/omnichannel/tickets", {
      ...withoutRequestId(docExamples.ticket),
      ...change,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, message: "Validation failed", errors: fields });
  });

  it("malformed JSON is a 400 in the service desk's envelope", async () => {
    const res = await hub.request("/api/omnichannel/tickets", {
      method: "POST",
      headers: { authorization: `Bearer ${partner.key}`, "content-type": "application/json" },
      body: "{",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      success: false,
      message: "Malformed JSON in request body",
      errors: { body: "is not valid JSON" },
    });
  });

  it("refuses attachments whose bytes do not fit, naming the attachment's field, and creates nothing", async () => {
    const before = (await hub.db.select({ id: tickets.id }).from(tickets)).length;
    const res = await partner.post("/api/omnichannel/tickets", {
      ...withoutRequestId(docExamples.ticket),
      attachments: [
        { filename: "ok.png", mimeType: "image/png", size: 100, content: tinyPngBase64 },
        {
          filename: "fake.png",
          mimeType: "image/png",
          size: 100,
          content: Buffer.from("MZ not a png").toString("base64"),
        },
        { filename: "x.png", mimeType: "image/png", size: 100, content: "iVBORw0KGgoAAAANSUhEUgAA..." },
      ],
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(["attachments.1.content", "attachments.2.content"]);
    expect((await hub.db.select({ id: tickets.id }).from(tickets)).length).toBe(before);
  });
});

describe("many tickets at once", () => {
  it("each request gets its own ticket, customer and event, across tenants, known and new customers", async () => {
    const other = await partnerOf(hub, "tickets-bank-two");
    const known = {
      name: "Wati",
      identifier: "CIF-MANY-1",
      email: "wati@example.com",
      phone: "+62811555001",
    };
    const body = (customer: Record<string, string>, reference: string) => ({
      ...withoutRequestId(docExamples.ticket),
      channelReferenceId: reference,
      customer,
    });
    // Both tenants know the same CIF: each tenant's tickets must go to its own customer.
    for (const p of [partner, other])
      expect((await p.post("/api/omnichannel/tickets", body(known, "first"))).status).toBe(201);

    const requests = Array.from({ length: 60 }, (_, i) => {
      const reference = `many-${i}`;
      switch (i % 4) {
        case 0:
          return { by: partner, reference, customer: known };
        case 1:
          return { by: other, reference, customer: known };
        case 2: // a new person each time
          return { by: partner, reference, customer: { name: `New ${i}`, identifier: `CIF-MANY-NEW-${i}` } };
        default: // the known customer with something to fill in
          return { by: partner, reference, customer: { ...known, department: `Dept ${i}` } };
      }
    });
    const answers = await Promise.all(
      requests.map((r) => r.by.post("/api/omnichannel/tickets", body(r.customer, r.reference))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(201));
    expect(new Set(answers.map((a) => a.body.ticketNumber)).size).toBe(60);

    const customerOf = new Map<string, string>();
    for (const [i, answer] of answers.entries()) {
      const request = requests[i];
      if (!request) throw new Error("no request");
      const row = await ticketRow(answer.body.ticketId);
      expect(String(row.number)).toBe(answer.body.ticketNumber);
      expect(row.channelReferenceId).toBe(request.reference);
      expect(row.tenantId).toBe(request.by.tenantId);
      const [customer] = await hub.db.select().from(customers).where(eq(customers.id, row.customerId));
      expect(customer?.tenantId).toBe(request.by.tenantId);
      expect(customer?.identifier).toBe(request.customer.identifier);
      if (i % 4 !== 2) customerOf.set(`${request.by.tenantId}`, row.customerId);
      const created = await hub.db.select().from(events).where(eq(events.subjectId, row.id));
      expect(created).toHaveLength(1);
      expect(created[0]?.payload).toMatchObject({
        ticketNumber: answer.body.ticketNumber,
        channelReferenceId: request.reference,
        customerId: row.customerId,
      });
    }
    // Tickets of known customers with nothing to fill in were written many to a transaction.
    const knownIds = answers.filter((_, i) => i % 4 < 2).map((a) => String(a.body.ticketId));
    const written = await hub.db.execute(
      sql`SELECT count(DISTINCT xmin::text)::int AS transactions FROM tickets WHERE id IN ${knownIds}`,
    );
    const [{ transactions }] = (written as unknown as { rows: [{ transactions: number }] }).rows;
    expect(transactions).toBeLessThan(knownIds.length / 2);
    // ... and the metrics endpoint says so: more rows than statements.
    const metrics = await (await hub.request("/metrics")).text();
    const counter = (name: string) =>
      Number(new RegExp(`^${name}\\{statement="create_tickets_v3"\\} (\\d+)$`, "m").exec(metrics)?.[1]);
    expect(counter("switchboard_db_batched_rows_total")).toBeGreaterThan(
      counter("switchboard_db_batched_statements_total"),
    );

    // One customer per tenant for the known CIF, and the first department given was filled in.
    expect(customerOf.size).toBe(2);
    const [wati] = await hub.db
      .select()
      .from(customers)
      .where(eq(customers.id, customerOf.get(partner.tenantId) ?? ""));
    expect(wati?.department).toMatch(/^Dept \d+$/);
  });
});

describe("text that is not well-formed UTF-16", () => {
  it("is refused: a lone surrogate is a 400 naming the field, nothing is stored", async () => {
    const res = await partner.post("/api/omnichannel/tickets", {
      ...withoutRequestId(docExamples.ticket),
      channelReferenceId: "surrogates",
      ticket: { description: "lone \ud83d here" },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({
      "ticket.description": "must not contain NUL characters or unpaired UTF-16 surrogates",
    });
    const stored = await hub.db.select().from(tickets).where(eq(tickets.channelReferenceId, "surrogates"));
    expect(stored).toEqual([]);
  });

  it("never comes out of a generated title cut at an emoji", async () => {
    const emojiAtCut = `${"x".repeat(76)}😀 and more text after the cut point`;
    const res = await partner.post("/api/omnichannel/tickets", {
      ...withoutRequestId(docExamples.ticket),
      channelReferenceId: "emoji-cut",
      ticket: { description: emojiAtCut },
    });
    expect(res.status).toBe(201);
    const row = await ticketRow(res.body.ticketId);
    expect(row.title).toContain("😀");
    expect(row.title.isWellFormed()).toBe(true);
  });
});

describe("concurrent first contacts of one new person", () => {
  const open = (customer: Record<string, string>, requestId?: string) =>
    partner.post("/api/omnichannel/tickets", {
      ...docExamples.complaint,
      customer,
      ...(requestId ? { integration: { requestId } } : {}),
    });
  const customersWhere = async (column: "email" | "phone" | "identifier", value: string) =>
    (await hub.db.select({ id: customers.id }).from(customers).where(eq(customers[column], value))).length;

  it.each([
    ["e-mail", { name: "Rina", email: "rina@example.com" }, "email", "rina@example.com"],
    ["phone", { name: "Rina", phone: "+62 811 222 333" }, "phone", "+62811222333"],
    ["CIF", { name: "Rina", identifier: "CIF-RACE-1" }, "identifier", "CIF-RACE-1"],
  ] as const)(
    "ten at once by %s make one customer, and every ticket is created",
    async (_by, contact, column, value) => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => open(contact)));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
      expect(await customersWhere(column, value)).toBe(1);
    },
  );

  it("also inside idempotent requests (each with its own key)", async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => open({ name: "Sari", email: "sari@example.com" }, `race-${i}`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(await customersWhere("email", "sari@example.com")).toBe(1);
  });
});

describe("many new customers at once, with overlapping contacts", () => {
  it("link each contact to one customer and create every ticket, new customers many to a transaction", async () => {
    // Per person: three contacts by one new CIF, and three anonymous ones sharing an e-mail or phone.
    type Contact = { name: string; identifier?: string; email?: string; phone?: string };
    const contactsOf = (k: number): Contact[] => {
      const cif = `CIF-OVERLAP-${k}`;
      const email = `overlap.${k}@example.com`;
      const anonEmail = `anon.${k}@example.com`;
      const anonPhone = `+62 811 700 ${100 + k}`;
      return [
        { name: `Person ${k}`, identifier: cif, email, phone: `+62811600${100 + k}` },
        { name: `Person ${k}`, identifier: cif },
        { name: `Person ${k}`, identifier: cif, email },
        { name: `Anon ${k}`, email: anonEmail, phone: anonPhone },
        { name: `Anon ${k}`, email: anonEmail },
        { name: `Anon ${k}`, phone: anonPhone },
      ];
    };
    const contacts = Array.from({ length: 8 }, (_, k) => contactsOf(k)).flat();
    const answers = await Promise.all(
      contacts.map((customer, i) =>
        partner.post("/api/omnichannel/tickets", {
          ...docExamples.complaint,
          channelReferenceId: `overlap-${i}`,
          customer,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(contacts.length).fill(201));
    expect(new Set(answers.map((a) => a.body.ticketNumber)).size).toBe(contacts.length);

    const normalized = (phone: string) => `+${phone.replace(/\D/g, "")}`;
    for (const [i, answer] of answers.entries()) {
      const contact = contacts[i];
      if (!contact) throw new Error("no contact");
      const row = await ticketRow(answer.body.ticketId);
      expect(row.channelReferenceId).toBe(`overlap-${i}`);
      const [customer] = await hub.db.select().from(customers).where(eq(customers.id, row.customerId));
      if (contact.identifier) {
        expect(customer?.identifier).toBe(contact.identifier);
      } else {
        // An anonymous contact's ticket goes to a customer that has its e-mail or its phone.
        expect(customer?.identifier).toBeNull();
        const shares =
          (contact.email !== undefined && customer?.email === contact.email) ||
          (contact.phone !== undefined && customer?.phone === normalized(contact.phone));
        expect(shares).toBe(true);
      }
      // Each ticket has its one TICKET_CREATED event.
      expect(await hub.db.select().from(events).where(eq(events.subjectId, row.id))).toHaveLength(1);
    }
    // One customer per CIF, per anonymous e-mail and per anonymous phone; each with one
    // customer.created event.
    const overlap = await hub.db.execute(sql`
      SELECT c.identifier, c.email, c.phone, c.xmin::text AS tx,
        (SELECT count(*)::int FROM events e WHERE e.subject_id = c.id AND e.type = 'customer.created') AS created
      FROM customers c
      WHERE c.tenant_id = ${partner.tenantId}
        AND (c.identifier LIKE 'CIF-OVERLAP-%' OR c.email LIKE 'anon.%' OR c.phone LIKE '+62811700%')`);
    const rows = (
      overlap as unknown as {
        rows: {
          identifier: string | null;
          email: string | null;
          phone: string | null;
          tx: string;
          created: number;
        }[];
      }
    ).rows;
    const count = (pick: (r: (typeof rows)[number]) => string | null) => {
      const seen = new Map<string, number>();
      for (const r of rows) {
        const value = pick(r);
        if (value !== null) seen.set(value, (seen.get(value) ?? 0) + 1);
      }
      return [...seen.values()];
    };
    expect(count((r) => r.identifier).sort()).toEqual(Array(8).fill(1));
    const anonymous = rows.filter((r) => r.identifier === null);
    expect(new Set(anonymous.map((r) => r.email).filter((e) => e !== null)).size).toBe(
      anonymous.filter((r) => r.email !== null).length,
    );
    expect(new Set(anonymous.map((r) => r.phone).filter((p) => p !== null)).size).toBe(
      anonymous.filter((r) => r.phone !== null).length,
    );
    expect(rows.map((r) => r.created)).toEqual(Array(rows.length).fill(1));
    // New customers were created many to a statement, not one transaction each.
    expect(new Set(rows.map((r) => r.tx)).size).toBeLessThan(rows.length);
  });
});
