import { BlockList, isIP } from "node:net";

/**
 * Where the hub may send a webhook. A partner names the URL, and the hub's own network position
 * (cloud metadata at 169.254.169.254, the database, Redis, the admin API on loopback) must not
 * become reachable through it. This judges the URL as written, when it is stored; delivery checks
 * the addresses a name resolves to again, right before connecting, because DNS answers change.
 */
export type DestinationPolicy = {
  /**
   * Networks allowed although not public (WEBHOOK_ALLOWED_NETWORKS): partners on the bank's own
   * network, and tests' receivers on loopback. Empty by default.
   */
  allowedNetworks: readonly Cidr[];
};

export type Cidr = { address: string; prefix: number; family: "ipv4" | "ipv6" };

/** Parses "10.0.0.0/8" or "::1/128" (a bare address is a /32 or /128); undefined when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = "", prefixText, ...rest] = text.trim().split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || prefixText === "") return undefined;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

function blockListOf(networks: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const n of networks) list.addSubnet(n.address, n.prefix, n.family);
  return list;
}

/** A policy's allow-list as a BlockList, built once per policy object. */
const allowListCache = new WeakMap<DestinationPolicy, BlockList>();
function allowListOf(policy: DestinationPolicy): BlockList {
  let list = allowListCache.get(policy);
  if (!list) {
    list = blockListOf(policy.allowedNetworks);
    allowListCache.set(policy, list);
  }
  return list;
}

/** Whether the policy lets the hub connect to this address (checked on DNS answers at delivery too). */
export function isAllowedAddress(address: string, policy: DestinationPolicy): boolean {
  if (!isNonPublicAddress(address)) return true;
  const version = isIP(address);
  if (version === 0) return false;
  const plain = unmapped(address);
  const allow = allowListOf(policy);
  return plain
    ? allow.check(plain, "ipv4") || allow.check(address, "ipv6")
    : allow.check(address, version === 4 ? "ipv4" : "ipv6");
}

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

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:127.0.0.1 or ::ffff:7f00:1), or the IPv4 address itself. */
function unmapped(address: string): string | undefined {
  if (isIP(address) === 4) return address;
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted?.[1]) return dotted[1];
  // The URL parser writes mapped addresses in hex: read the last 32 bits back.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex?.[1] && hex[2]) {
    const high = Number.parseInt(hex[1], 16);
    const low = Number.parseInt(hex[2], 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return undefined;
}

/** Whether an address (IPv4, or IPv6 including IPv4-mapped forms) is outside the public internet. */
function isNonPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 0) return true;
  const v4 = unmapped(address);
  return v4 ? nonPublic.check(v4, "ipv4") : nonPublic.check(address, "ipv6");
}

/** The host a URL names, as an address or a name: an IPv6 literal without its brackets. */
export function literalHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
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
  const host = literalHost(url);
  if (isIP(host)) {
    return isAllowedAddress(host, policy)
      ? { allowed: true }
      : { allowed: false, reason: "Webhook URL must not point at a private, loopback or link-local address" };
  }
  // A name without a dot is completed by the resolver's search domains: an internal host. With an
  // allow-list configured, names are left to the check of their resolved addresses at delivery.
  const localName = !host.includes(".") || localNames.test(host.replace(/\.$/, ""));
  if (localName && policy.allowedNetworks.length === 0) {
    return { allowed: false, reason: "Webhook URL must name a public host" };
  }
  return { allowed: true };
}
