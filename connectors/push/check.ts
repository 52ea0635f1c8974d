import { createECDH } from "node:crypto";
import type { WebPushSettings } from "../contract.js";
import { type CheckResult, checkFailed, checkPassed } from "../settingsFields.js";

/**
 * Push services offer no account to ask, so the check is local: the private key must be a P-256
 * key whose public half is the public key browsers subscribed with, or every push answers 403.
 */
export function checkPushSettings(settings: WebPushSettings): CheckResult {
  try {
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(Buffer.from(settings.vapidPrivateKey, "base64url"));
    const derived = ecdh.getPublicKey();
    if (!derived.equals(Buffer.from(settings.vapidPublicKey, "base64url")))
      return checkFailed("vapidPublicKey", "is not the public half of vapidPrivateKey");
    return checkPassed;
  } catch {
    return checkFailed("vapidPrivateKey", "is not a valid P-256 private key");
  }
}
