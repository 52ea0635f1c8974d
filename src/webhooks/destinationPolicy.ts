import { BlockList, isIP } from "node:net";

/**
 * Where the hub may send a webhook. A partner names the URL, and the hub's own network position
 * (cloud metadata at 169.254.169.254, the database, Redis, the admin API on loopback) must not
 * become reachable through it. This judges the URL as written, when it is stored; delivery checks
 * the addresses a name resolves to again, right before connecting, because DNS answers change.
 */
export type DestinationPolicy = {
  /** Loopback, private and link-local destinations allowed: for a hub whose partners live on its own network, and tests. */
  allowPrivate: boolean;
};

export type DestinationVerdict = { allowed: true } | { allowed: false; reason: string };

/** Ranges that are not the public internet (IANA special-purpose registries). */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  nonPublic.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  nonPublic.addSubnet(network, prefix, "ipv6");
}

/** Names that only ever mean a host of the local network. */
const localNames = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/i;

/** Whether an address (IPv4, or IPv6 including IPv4-mapped forms) is outside the public internet. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return nonPublic.check(address, "ipv4");
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return nonPublic.check(mapped[1], "ipv4");
  // The URL parser writes mapped addresses in hex (::ffff:7f00:1): read the last 32 bits back.
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped?.[1] && hexMapped[2]) {
    const high = Number.parseInt(hexMapped[1], 16);
    const low = Number.parseInt(hexMapped[2], 16);
    return nonPublic.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, "ipv4");
  }
  return nonPublic.check(address, "ipv6");
}

/** Judges a webhook URL as written. The URL parser has already normalised 0x7f.1 or 2130706433 to 127.0.0.1. */
export function judgeDestination(raw: string, policy: DestinationPolicy): DestinationVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { allowed: false, reason: "Webhook URL must be an http(s) URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { allowed: false, reason: "Webhook URL must be an http(s) URL" };
  }
  // Credentials in a URL are stored and shown with it: partners authenticate by our signature instead.
  if (url.username || url.password) {
    return { allowed: false, reason: "Webhook URL must not carry a user name or password" };
  }
  if (policy.allowPrivate) return { allowed: true };
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host)) {
    return isNonPublicAddress(host)
      ? { allowed: false, reason: "Webhook URL must not point at a private, loopback or link-local address" }
      : { allowed: true };
  }
  // A name without a dot is completed by the resolver's search domains: an internal host.
  if (!host.includes(".") || localNames.test(host.replace(/\.$/, ""))) {
    return { allowed: false, reason: "Webhook URL must name a public host" };
  }
  return { allowed: true };
}
