import { type LookupAddress, lookup } from "node:dns";
import { isIP } from "node:net";
import {
  type DestinationPolicy,
  type DestinationVerdict,
  isAllowedAddress,
  judgeDestination,
  literalHost,
} from "./destinationPolicy.js";

export type WebhookDestinationPolicy = DestinationPolicy & { httpsOnly: boolean };

const refusedAddress = "Webhook URL resolves to a private, loopback or link-local address";

/**
 * Judges an endpoint URL when it is registered: as written (judgeDestination), https in production,
 * and the addresses its name resolves to now. A name that does not resolve is accepted: delivery
 * checks the answer again right before connecting, which is the check that counts.
 */
export async function judgeEndpointUrl(
  raw: string,
  policy: WebhookDestinationPolicy,
): Promise<DestinationVerdict> {
  const written = judgeDestination(raw, policy);
  if (!written.allowed) return written;
  const url = new URL(raw);
  if (policy.httpsOnly && url.protocol !== "https:")
    return { allowed: false, reason: "Webhook URL must use https" };
  const host = literalHost(url);
  if (isIP(host)) return written;
  const addresses = await resolveAll(host).catch(() => []);
  return addresses.every((a) => isAllowedAddress(a.address, policy))
    ? { allowed: true }
    : { allowed: false, reason: refusedAddress };
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    lookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for node's http(s).request that only ever answers addresses the policy allows. The
 * socket connects to the address this function returned, so the address checked is the address
 * connected to: a DNS answer that changes between a check and the connection (rebinding) cannot
 * slip through. A name with any refused address is refused as a whole.
 */
export function guardedLookup(policy: DestinationPolicy) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    lookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.find((a) => !isAllowedAddress(a.address, policy));
      const first = addresses[0];
      if (refused || !first) {
        const error: NodeJS.ErrnoException = new Error(`${refusedAddress} (${refused?.address ?? "none"})`);
        error.code = "EWEBHOOKDESTINATION";
        return callback(error, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}
