import type { TenantLevel } from "../db/schema/index.js";

/** The channels a customer session can be on: SCT07's own, and the chat channels. */
export const sessionChannels = [
  "WEB",
  "MOBILE_IOS",
  "MOBILE_ANDROID",
  "API",
  "WEBHOOK",
  "WHATSAPP",
  "TELEGRAM",
  "SMS",
  "EMAIL",
  "CHAT",
] as const;
export type SessionChannel = (typeof sessionChannels)[number];

/**
 * SCT07's configuration levels as the document describes them. Basic: a limited set of channels
 * (the document says 2-3: the web and the two mobile apps) and no cross-channel continuity;
 * Standard: the document's core channels (WEB, MOBILE_IOS, MOBILE_ANDROID, API, WEBHOOK) with
 * continuity; Advanced: every channel, chat channels included.
 */
const levelRules: Record<TenantLevel, { channels: readonly SessionChannel[]; handoff: boolean }> = {
  basic: { channels: ["WEB", "MOBILE_IOS", "MOBILE_ANDROID"], handoff: false },
  standard: { channels: ["WEB", "MOBILE_IOS", "MOBILE_ANDROID", "API", "WEBHOOK"], handoff: true },
  advanced: { channels: sessionChannels, handoff: true },
};

export function levelAllowsChannel(level: TenantLevel, channel: SessionChannel): boolean {
  return levelRules[level].channels.includes(channel);
}

export function levelAllowsHandoff(level: TenantLevel): boolean {
  return levelRules[level].handoff;
}

export function levelChannels(level: TenantLevel): readonly SessionChannel[] {
  return levelRules[level].channels;
}
