import { randomFillSync } from "node:crypto";
import { V7Generator } from "uuidv7";

/** Prefixes say what an id names wherever it shows up: logs, URLs, support tickets. */
export const idPrefixes = {
  tenant: "ten",
  apiKey: "key",
  event: "evt",
  customer: "cus",
  identity: "idn",
  customerDuplicate: "dup",
  session: "sess",
  handoff: "hof",
  ticket: "tkt",
  comment: "cmt",
  attachment: "att",
  slaPolicy: "sla",
  delegation: "del",
  approval: "apr",
  approvalDecision: "dec",
  webhookEndpoint: "whe",
  webhookDelivery: "whd",
  journey: "jrn",
  journeyTemplate: "jtp",
  journeyStep: "jst",
  messageTemplate: "mtp",
  notification: "ntf",
  notificationDelivery: "ndl",
  inboundMessage: "inm",
  conversation: "cnv",
  outboundMessage: "out",
  channelAccount: "cha",
  pushSubscription: "psu",
  webchatThread: "wct",
} as const;

export type IdKind = keyof typeof idPrefixes;

/**
 * The random bits of ids, drawn from the CSPRNG a kilobyte at a time: uuidv7's default source
 * refills every two ids, and a ticket creation makes four.
 */
class BufferedRandom {
  readonly #buffer = new Uint32Array(1024);
  #cursor = this.#buffer.length;

  nextUint32(): number {
    if (this.#cursor === this.#buffer.length) {
      randomFillSync(this.#buffer);
      this.#cursor = 0;
    }
    return this.#buffer[this.#cursor++] as number;
  }
}

const generator = new V7Generator(new BufferedRandom());

/** Time-ordered (UUIDv7) so ids sort by creation and index inserts stay append-only. */
export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${generator.generate().toHex()}`;
}
