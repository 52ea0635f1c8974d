import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";
import { scrubValue } from "../src/privacy/logRedaction.js";
import { type Keyring, parseKeyring } from "../src/secrets/keyring.js";
import { resolveChannelSecretKeys } from "../src/secrets/localKey.js";
import { keyIdOf, open, SecretUnreadableError, seal } from "../src/secrets/secretBox.js";

const keyText = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString("base64")}`;
function keyring(text: string): Keyring {
  const parsed = parseKeyring(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

describe("secret box (AES-256-GCM with key ids)", () => {
  const current = keyring(keyText("k1", 1));

  it("opens what it sealed, under the same context only", () => {
    const sealed = seal(current, '{"botToken":"123:abc"}', "channel_account/ten_1/telegram");
    expect(sealed).toMatch(/^v1\.k1\./);
    expect(sealed).not.toContain("abc");
    expect(open(current, sealed, "channel_account/ten_1/telegram")).toBe('{"botToken":"123:abc"}');
    expect(() => open(current, sealed, "channel_account/ten_2/telegram")).toThrow(SecretUnreadableError);
  });

  it("two seals of one value differ (fresh IV), and a changed byte does not open", () => {
    const a = seal(current, "same", "ctx");
    const b = seal(current, "same", "ctx");
    expect(a).not.toBe(b);
    const parts = a.split(".");
    const ciphertext = Buffer.from(parts[3] ?? "", "base64url");
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
    parts[3] = ciphertext.toString("base64url");
    expect(() => open(current, parts.join("."), "ctx")).toThrow(SecretUnreadableError);
    expect(() => open(current, "not sealed", "ctx")).toThrow(SecretUnreadableError);
  });

  it("rotation: a new current key seals, the old one still opens what it sealed, and without it nothing opens", () => {
    const old = seal(current, "kept", "ctx");
    const rotated = keyring(`${keyText("k2", 2)},${keyText("k1", 1)}`);
    expect(open(rotated, old, "ctx")).toBe("kept");
    expect(keyIdOf(seal(rotated, "new", "ctx"))).toBe("k2");
    expect(() => open(keyring(keyText("k2", 2)), old, "ctx")).toThrow(
      /k1, which CHANNEL_SECRET_KEYS no longer holds/,
    );
  });

  it("CHANNEL_SECRET_KEYS must be id:32-byte-base64 entries; a wrong value stops the start without echoing it", () => {
    expect(parseKeyring("k1:c2hvcnQ=")).toBe("key k1 must be 32 bytes in base64 (openssl rand -base64 32)");
    expect(parseKeyring(`${keyText("k1", 1)},${keyText("k1", 2)}`)).toBe("key id k1 appears twice");
    expect(parseKeyring("no-colon")).toMatch(/id:base64key/);
    const secretLooking = "k1:c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0";
    expect(() => loadConfig({ CHANNEL_SECRET_KEYS: secretLooking })).toThrow(ConfigError);
    try {
      loadConfig({ CHANNEL_SECRET_KEYS: secretLooking });
    } catch (err) {
      expect((err as Error).message).toContain("CHANNEL_SECRET_KEYS");
      expect((err as Error).message).not.toContain("c2VjcmV0");
    }
    expect(loadConfig({ CHANNEL_SECRET_KEYS: keyText("k1", 1) }).channels.secretKeys?.current.id).toBe("k1");
  });
});

describe("the local channel secret key outside production", () => {
  it("is made once in DATA_DIR and reused; production uses only the variable; a damaged file is never replaced", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-keys-"));
    try {
      const config = loadConfig({ DATA_DIR: dataDir });
      const first = await resolveChannelSecretKeys(config);
      expect(first.generatedAt).toBe(join(dataDir, "channel-secret-key"));
      const again = await resolveChannelSecretKeys(config);
      expect(again.keys?.current.key.equals(first.keys?.current.key ?? Buffer.alloc(0))).toBe(true);
      const production = loadConfig({
        DATA_DIR: dataDir,
        NODE_ENV: "production",
        ADMIN_TOKEN: "0f9c2b7e41d8a6355c1e9b04d7f2a8c6e3b5d1f09a7c4e2b8d6f0a1c3e5b7d9f",
      });
      expect(await resolveChannelSecretKeys(production)).toEqual({ keys: undefined });
      writeFileSync(join(dataDir, "channel-secret-key"), "garbage\n");
      await expect(resolveChannelSecretKeys(config)).rejects.toThrow(/channel-secret-key/);
      expect(readFileSync(join(dataDir, "channel-secret-key"), "utf8")).toBe("garbage\n");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("log redaction of channel credentials", () => {
  it("drops every settings field that holds a credential, whatever object it is logged in", () => {
    const logged = scrubValue({
      account: {
        settings: {
          botToken: "7012345678:AAH-token",
          authToken: "twilio-token",
          pass: "smtp-pass",
          appSecret: "meta-secret",
          verifyToken: "verify",
          webhookSecret: "hook",
          vapidPrivateKey: "vapid-private",
          host: "smtp.bank.example",
        },
        sealedSecrets: "v1.k1.iv.ct.tag",
      },
    });
    const text = JSON.stringify(logged);
    for (const secret of [
      "AAH-token",
      "twilio-token",
      "smtp-pass",
      "meta-secret",
      'verify"',
      'hook"',
      "vapid-private",
      "v1.k1",
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain("smtp.bank.example");
  });
});
