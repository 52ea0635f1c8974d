import { describe, expect, it } from "vitest";
import { cloudInboundMessages } from "../../connectors/whatsapp/cloudInbound.js";
import { webAckStatus } from "../../connectors/whatsapp/webAck.js";
import { readWebMessage } from "../../connectors/whatsapp/webInbound.js";
import { createMemoryBlobStore } from "../../src/blobs/memory.js";
import { incomingMessage } from "../support/fakes/whatsappWebClient.js";

const files = { blobs: createMemoryBlobStore(), maxBytes: 1024 };
const tenantId = "ten_0000000000000000000000000000beef";

describe("whatsapp-web.js messages as InboundMessages", () => {
  it("reads a person's chat and a linked id (by the contact card's number); skips groups, status updates, its own messages and stickers", async () => {
    const read = (m: Parameters<typeof incomingMessage>[0]) =>
      readWebMessage(tenantId, incomingMessage(m), files);
    expect(await read({ from: "6281234567890@c.us", body: "halo", pushname: " Budi " })).toMatchObject({
      message: {
        channel: "whatsapp",
        sender: { address: "+6281234567890", displayName: "Budi" },
        threadRef: "+6281234567890",
        text: "halo",
      },
    });
    expect(await read({ from: "201234567890123@lid", body: "halo", number: "6281299990000" })).toMatchObject({
      message: { sender: { address: "+6281299990000" } },
    });
    expect(await read({ from: "120363041234567890@g.us", body: "halo grup" })).toEqual({ skipped: "chat" });
    expect(await read({ from: "6281234567890@c.us", body: "", type: "sticker" })).toEqual({
      skipped: "sticker",
    });
    expect(await read({ from: "6281234567890@c.us", body: "saya", fromMe: true })).toEqual({
      skipped: "chat",
    });
    const status = { ...incomingMessage({ from: "status@broadcast", body: "story" }), isStatus: true };
    expect(await readWebMessage(tenantId, status, files)).toEqual({ skipped: "chat" });
  });

  it("a file over the size cap is not staged: its size makes the router refuse it by name", async () => {
    const big = Buffer.alloc(2048, 1).toString("base64");
    const read = await readWebMessage(
      tenantId,
      incomingMessage({ from: "6281234567890@c.us", body: "", media: { mimetype: "image/png", data: big } }),
      files,
    );
    expect(read).toMatchObject({ message: { attachments: [{ ref: "", kind: "photo", size: 2048 }] } });
  });

  it("maps acks: -1 failed, 1 sent, 2 delivered, 3 and 4 read; pending and unknown values are no receipt", () => {
    expect([-1, 0, 1, 2, 3, 4, 9].map(webAckStatus)).toEqual([
      "failed",
      undefined,
      "sent",
      "delivered",
      "read",
      "read",
      undefined,
    ]);
  });
});

describe("Cloud API messages as InboundMessages", () => {
  it("a list reply is its title and description, a template button its text; a message missing its id is skipped", () => {
    const value = (messages: unknown[]) => ({
      object: "whatsapp_business_account",
      entry: [
        {
          changes: [
            {
              value: {
                metadata: { phone_number_id: "1065" },
                messages: messages as Array<Record<string, unknown>>,
              },
            },
          ],
        },
      ],
    });
    const base = { from: "6281234567890", timestamp: "1767225600" };
    const { messages, skipped } = cloudInboundMessages(
      tenantId,
      value([
        {
          ...base,
          id: "wamid.1",
          type: "interactive",
          interactive: {
            type: "list_reply",
            list_reply: { id: "r1", title: "Blokir kartu", description: "Kartu debit" },
          },
        },
        { ...base, id: "wamid.2", type: "button", button: { text: "Ya, benar", payload: "YES" } },
        { ...base, type: "text", text: { body: "no id" } },
      ]),
      "1065",
    );
    expect(messages.map((m) => [m.providerMessageId, m.text, m.receivedAt.toISOString()])).toEqual([
      ["wamid.1", "Blokir kartu\nKartu debit", "2026-01-01T00:00:00.000Z"],
      ["wamid.2", "Ya, benar", "2026-01-01T00:00:00.000Z"],
    ]);
    expect(skipped).toEqual(["text"]);
  });
});
