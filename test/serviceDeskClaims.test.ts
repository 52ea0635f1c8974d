import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claims, events, tickets } from "../src/db/schema/index.js";
import { docExamples, type Partner, partnerOf } from "./support/serviceDesk.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
let partner: Partner;
beforeAll(async () => {
  hub = await createTestHub();
  partner = await partnerOf(hub, "claims-bank");
});
afterAll(async () => {
  await hub.close();
});

const hours = (h: number) => h * 3600 * 1000;

async function ticketRow(ticketId: string) {
  const [row] = await hub.db.select().from(tickets).where(eq(tickets.id, ticketId));
  if (!row) throw new Error("no ticket row");
  return row;
}

describe("POST /api/omnichannel/claims", () => {
  it("answers the document's example with the documented 201 body", async () => {
    const res = await partner.post("/api/omnichannel/claims", docExamples.claim);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        "estimatedResolution",
        "message",
        "status",
        "success",
        "ticketId",
        "ticketNumber",
        "trackingUrl",
      ].sort(),
    );
    expect(res.body).toMatchObject({
      success: true,
      status: "OPEN",
      message: "KLAIM-OMNI ticket created successfully",
      trackingUrl: `/tickets/${res.body.ticketNumber}`,
    });
    expect(res.body.ticketNumber).toMatch(/^\d+$/);
    expect(res.body.ticketId).toMatch(/^tkt_[0-9a-f]{32}$/);

    const row = await ticketRow(res.body.ticketId);
    // A claim resolves within 72 hours under the default policy and the always-open calendar.
    expect(new Date(res.body.estimatedResolution).getTime() - row.createdAt.getTime()).toBe(hours(72));
  });

  it("is a CLAIM ticket titled, prioritised and described as the bank's desk does, with its claim fields", async () => {
    const res = await partner.post("/api/omnichannel/claims", docExamples.claim);
    const row = await ticketRow(res.body.ticketId);
    expect(row).toMatchObject({
      serviceType: "CLAIM",
      title: "KLAIM - OMNI - ATM - PEMBELIAN",
      priority: "MEDIUM",
      status: "OPEN",
      assignedTeam: "Claims Team",
    });
    for (const line of [
      "Nama Nasabah: John Doe",
      "Media Transaksi: ATM",
      "Jenis Transaksi: PEMBELIAN",
      "Nomor Rekening: 1234567890",
      "Nomor Kartu: ****1234",
      "ID Transaksi: TXN123456789",
      "Nomor Referensi: REF987654321",
      "ID ATM: ATM001",
      "Alasan Klaim: Transaction failed but amount was deducted",
    ]) {
      expect(row.description).toContain(line);
    }
    expect(row.description).toMatch(/Nominal: Rp\s?500\.000/);
    expect(row.description).toContain(
      "Keterangan:\nATM transaction failed but money was debited from account",
    );

    const [claim] = await hub.db.select().from(claims).where(eq(claims.ticketId, row.id));
    expect(claim).toMatchObject({
      namaNasabah: "John Doe",
      mediaTransaksi: "ATM",
      jenisTransaksi: "PEMBELIAN",
      nominal: 500000,
      nomorRekening: "1234567890",
      nomorKartuMasked: "****1234",
      transactionId: "TXN123456789",
      referenceNumber: "REF987654321",
      atmId: "ATM001",
    });
    expect(claim?.claimDate?.toISOString()).toBe("2024-12-19T10:30:00.000Z");

    const created = await hub.db.select().from(events).where(eq(events.subjectId, row.id));
    expect(created.map((e) => e.type)).toEqual(["TICKET_CREATED"]);
  });

  it("takes the use case's claim as written", async () => {
    const res = await partner.post("/api/omnichannel/claims", docExamples.claimUseCase);
    expect(res.status).toBe(201);
    expect((await ticketRow(res.body.ticketId)).title).toBe("KLAIM - OMNI - ATM - PEMBAYARAN");
  });

  it.each([
    [10_000_000, "HIGH"],
    [9_999_999, "MEDIUM"],
    [1_000_000_000, "HIGH"],
  ])("nominal %d gives priority %s", async (nominal, priority) => {
    const res = await partner.post("/api/omnichannel/claims", { ...docExamples.claim, nominal });
    expect(res.status).toBe(201);
    expect((await ticketRow(res.body.ticketId)).priority).toBe(priority);
  });

  it("leaves jenisTransaksi out of the title when absent (QRIS and DEBIT need none)", async () => {
    for (const media of ["QRIS", "DEBIT"]) {
      const { jenisTransaksi: _omitted, ...rest } = docExamples.claim;
      const res = await partner.post("/api/omnichannel/claims", { ...rest, mediaTransaksi: media });
      expect(res.status).toBe(201);
      expect((await ticketRow(res.body.ticketId)).title).toBe(`KLAIM - OMNI - ${media}`);
    }
  });
});

describe("claim validation", () => {
  it("answers the document's 400 example", async () => {
    const { namaNasabah: _missing, ...rest } = docExamples.claim;
    const res = await partner.post("/api/omnichannel/claims", { ...rest, nominal: -1 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      message: "Validation failed",
      errors: { namaNasabah: "Nama nasabah is required", nominal: "Nominal must be positive" },
    });
  });

  it.each(["ATM", "TOUCH", "SMS"])("requires jenisTransaksi for %s", async (media) => {
    const { jenisTransaksi: _omitted, ...rest } = docExamples.claim;
    const res = await partner.post("/api/omnichannel/claims", { ...rest, mediaTransaksi: media });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ jenisTransaksi: "Jenis transaksi is required for ATM, TOUCH, SMS" });
  });

  it.each([
    [{ nominal: 1_000_000_001 }, "nominal", "Nominal must not exceed 1,000,000,000"],
    [{ nominal: 0 }, "nominal", "Nominal must be positive"],
    [{ nominal: "500000" }, "nominal", "Nominal must be a number"],
    [
      { mediaTransaksi: "CASH" },
      "mediaTransaksi",
      "Media transaksi must be one of ATM, QRIS, DEBIT, TOUCH, SMS",
    ],
    [
      { jenisTransaksi: "SEWA" },
      "jenisTransaksi",
      "Jenis transaksi must be one of PEMBELIAN, PEMBAYARAN, TRANSFER",
    ],
    [
      { claimDate: "19/12/2024" },
      "claimDate",
      "Claim date must be an ISO 8601 date-time, e.g. 2024-12-19T10:30:00Z",
    ],
    [{ namaNasabah: "   " }, "namaNasabah", "Nama nasabah is required"],
  ])("refuses %j naming %s", async (change, field, message) => {
    const res = await partner.post("/api/omnichannel/claims", { ...docExamples.claim, ...change });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Validation failed");
    expect(res.body.errors).toEqual({ [field]: message });
  });

  it("requires mediaTransaksi and nominal", async () => {
    const res = await partner.post("/api/omnichannel/claims", { namaNasabah: "X" });
    expect(res.body.errors).toEqual({
      mediaTransaksi: "Media transaksi is required",
      nominal: "Nominal is required",
    });
  });
});

describe("card data never reaches storage", () => {
  it("masks card numbers in every free-text field of a ticket: generated title, metadata, author", async () => {
    const pan = "5500000000000004";
    const res = await partner.post("/api/omnichannel/tickets", {
      channel: "CHAT",
      serviceType: "CARD_ISSUE",
      customer: { name: `Budi ${pan}` },
      ticket: {
        // The generated title is cut at 80 characters, right through the card number.
        description: `Kartu saya hilang kemarin sore di depan kantor cabang, nomornya ${pan} mohon diblokir`,
        metadata: { note: `card ${pan}`, nested: [{ pan }] },
      },
    });
    expect(res.status).toBe(201);
    await partner.patch(`/api/omnichannel/tickets/${res.body.ticketNumber}`, {
      action: "ADD_COMMENT",
      comment: "hello",
      author: `agent ${pan}`,
    });
    const dump = JSON.stringify(await hub.db.execute(sql`SELECT * FROM tickets, customers, ticket_comments`));
    expect(dump).not.toContain(pan);
    expect(dump).not.toContain(pan.slice(0, 8));
    expect(dump).toContain("************0004");
  });

  it("masks a full card number sent as nomorKartu and card numbers in free text", async () => {
    const pan = "4111111111111111";
    const res = await partner.post("/api/omnichannel/claims", {
      ...docExamples.claim,
      nomorKartu: "4111 1111 1111 1111",
      claimReason: `Kartu ${pan} tertelan mesin`,
      description: `Nomor kartu saya 4111-1111-1111-1111, mohon dibantu`,
    });
    expect(res.status).toBe(201);
    const [claim] = await hub.db.select().from(claims).where(eq(claims.ticketId, res.body.ticketId));
    expect(claim?.nomorKartuMasked).toBe("************1111");
    const dump = JSON.stringify(
      await hub.db.execute(sql`SELECT t.*, c.* FROM tickets t JOIN claims c ON c.ticket_id = t.id`),
    );
    expect(dump).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
    expect(dump).toContain("************1111");
  });
});
