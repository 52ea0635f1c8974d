import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InboundHub, inboundHub } from "./support.js";
import {
  cloudBody,
  cloudText,
  type GraphFake,
  messagesChange,
  postCloud,
  startCloudGraph,
  tenantWithWhatsAppCloud,
} from "./whatsappSupport.js";

let t: InboundHub;
let graph: GraphFake;
/** The senders' clock: where "now" is for WhatsApp's 24-hour window, moved by each test. */
let now = new Date();

beforeAll(async () => {
  graph = await startCloudGraph();
  t = await inboundHub({}, { now: () => now });
});

afterAll(async () => {
  await t.close();
  await graph.close();
});

const minute = 60_000;
const day = 24 * 60 * minute;

/** A customer who wrote at `wroteAt` (Meta's timestamp), the ticket it opened, and the agent's reply at `repliedAt`. */
async function replyAfter(slug: string, from: string, wroteAt: Date, repliedAt: Date) {
  const { tenantId, key } = await tenantWithWhatsAppCloud(t, graph, slug);
  now = wroteAt;
  const message = cloudText(from, "Kapan kartu debit baru saya dikirim?", wroteAt);
  await postCloud(t, tenantId, cloudBody([messagesChange([message], { [from]: "Yusuf" })]));
  await t.routedOn(tenantId, "whatsapp", message.id);
  // The acknowledgement went out at once, inside the window.
  await expect.poll(() => graph.messages.filter((m) => m.body.to === from).length).toBe(1);
  const ticket = (await t.desk(key).get("/api/v1/desk/tickets?channel=WHATSAPP")).body.data[0];
  now = repliedAt;
  await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
    content: "Kartu Anda dikirim besok.",
    authorId: "usr_sari",
  });
  await t.relay();
  const delivery = async () => {
    const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
    return detail.comments.at(-1)?.delivery;
  };
  await expect.poll(async () => ["sent", "failed"].includes((await delivery())?.status)).toBe(true);
  return { delivery: await delivery(), sent: graph.messages.filter((m) => m.body.to === from).length };
}

describe("WhatsApp's 24-hour customer service window (Cloud API)", () => {
  it("a reply a minute before the window closes goes out as free text", async () => {
    const wroteAt = new Date(Date.now() - day);
    const { delivery, sent } = await replyAfter(
      "wa-window-open",
      "6281277770001",
      wroteAt,
      new Date(wroteAt.getTime() + day - minute),
    );
    expect(delivery).toMatchObject({ channel: "WHATSAPP", status: "sent", error: null });
    expect(sent).toBe(2);
  });

  it("a reply a minute after it closes is not sent: its delivery fails, saying only a template may be sent", async () => {
    const wroteAt = new Date(Date.now() - day);
    const { delivery, sent } = await replyAfter(
      "wa-window-closed",
      "6281277770002",
      wroteAt,
      new Date(wroteAt.getTime() + day + minute),
    );
    expect(delivery).toEqual({
      channel: "WHATSAPP",
      status: "failed",
      error: "outside WhatsApp's 24-hour window: only an approved template message may be sent",
      updatedAt: expect.any(String),
    });
    // Only the acknowledgement reached Meta.
    expect(sent).toBe(1);
  });
});
