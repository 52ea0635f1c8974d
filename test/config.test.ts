import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("config", () => {
  it("has embedded defaults for a newcomer", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      role: "all",
      http: {
        host: "0.0.0.0",
        port: 3000,
        headersTimeoutMs: 15_000,
        requestTimeoutMs: 60_000,
        keepAliveTimeoutMs: 65_000,
      },
      database: { url: undefined, dataDir: "./.data", statementTimeoutMs: 30_000 },
      redis: { url: "redis://127.0.0.1:6379", prefix: "sb", autostart: true },
      adminToken: undefined,
    });
  });

  it("opens /metrics outside production, closes it in production, and guards it with METRICS_TOKEN", () => {
    const production = {
      NODE_ENV: "production",
      ADMIN_TOKEN: "0f9c2b7e41d8a6355c1e9b04d7f2a8c6e3b5d1f09a7c4e2b8d6f0a1c3e5b7d9f",
    };
    expect(loadConfig({}).metrics).toEqual({ access: "open" });
    expect(loadConfig(production).metrics).toEqual({ access: "closed" });
    expect(loadConfig({ ...production, METRICS_TOKEN: "m".repeat(16) }).metrics).toEqual({
      access: "token",
      token: "m".repeat(16),
    });
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "" }).database.url).toBeUndefined();
  });

  it.each([
    [{ ROLE: "everything" }, "ROLE"],
    [{ PORT: "eighty" }, "PORT"],
    [{ DATABASE_URL: "mysql://localhost/db" }, "DATABASE_URL"],
    [{ REDIS_URL: "not a url" }, "REDIS_URL"],
    [{ ADMIN_TOKEN: "short" }, "ADMIN_TOKEN"],
    [{ METRICS_TOKEN: "short" }, "METRICS_TOKEN"],
    [{ REDIS_PREFIX: "has:colon" }, "REDIS_PREFIX"],
    [{ WEBHOOK_ALLOWED_NETWORKS: "10.0.0.0/8,intranet" }, "WEBHOOK_ALLOWED_NETWORKS"],
    [{ NODE_ENV: "production" }, "ADMIN_TOKEN"],
    [{ HTTP_HEADERS_TIMEOUT_MS: "90000" }, "HTTP_HEADERS_TIMEOUT_MS"],
    [{ STATEMENT_TIMEOUT_MS: "-1" }, "STATEMENT_TIMEOUT_MS"],
  ])("refuses %j naming %s", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${variable}\\b`));
  });

  describe("ADMIN_TOKEN in production", () => {
    const production = (token: string) => () => loadConfig({ NODE_ENV: "production", ADMIN_TOKEN: token });

    it.each([
      ["one character repeated", "a".repeat(64)],
      ["a word repeated", "password".repeat(6)],
      ["32 hex characters (128 random bits at best, estimated lower)", "9f86d081884c7d659a2feaa0c55ad015"],
      ["a short phrase", "correct horse battery staple!!!!"],
    ])("refuses a guessable token: %s", (_, token) => {
      expect(production(token)).toThrow(ConfigError);
      expect(production(token)).toThrow(/\bADMIN_TOKEN\b.*entropy/);
    });

    it("accepts what openssl rand -hex 32 and -base64 32 print", () => {
      expect(
        production("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")().adminToken,
      ).toHaveLength(64);
      expect(production("q5Xw0Rz8f3Kc9LmN2vB7tY1uH4jG6dS0aP3oI8eW5rQ=")().env).toBe("production");
    });

    it("outside production only the length rule applies", () => {
      expect(loadConfig({ ADMIN_TOKEN: "a".repeat(32) }).adminToken).toBe("a".repeat(32));
    });
  });

  it("parses the throttling and key-minting settings", () => {
    const config = loadConfig({
      AUTH_FAILURES_PER_MINUTE: "5",
      ADMIN_LIMIT_PER_MINUTE: "60",
      TRUST_PROXY: "1",
      TENANT_KEY_MAX_DAYS: "90",
    });
    expect(config.auth).toEqual({ failuresPerMinute: 5, adminRequestsPerMinute: 60, trustedProxies: 1 });
    expect(config.tenantKeyMaxDays).toBe(90);
    expect(() => loadConfig({ TRUST_PROXY: "yes" })).toThrow(/\bTRUST_PROXY\b/);
    expect(() => loadConfig({ TENANT_KEY_MAX_DAYS: "0" })).toThrow(/\bTENANT_KEY_MAX_DAYS\b/);
  });

  it("parses numbers and booleans", () => {
    const config = loadConfig({
      PORT: "8080",
      REDIS_AUTOSTART: "false",
      BODY_LIMIT_BYTES: "2048",
      ROLE: "worker",
    });
    expect(config.http.port).toBe(8080);
    expect(config.redis.autostart).toBe(false);
    expect(config.http.bodyLimitBytes).toBe(2048);
    expect(config.role).toBe("worker");
  });

  it("runs no SMTP listener unless INBOUND_SMTP_PORT is set, on loopback by default", () => {
    expect(loadConfig({}).inbound.smtp).toBeUndefined();
    expect(loadConfig({ INBOUND_SMTP_PORT: "2525" }).inbound.smtp).toEqual({
      host: "127.0.0.1",
      port: 2525,
      maxBytes: 25 * 1024 * 1024,
    });
    expect(
      loadConfig({ INBOUND_SMTP_PORT: "25", INBOUND_SMTP_HOST: "0.0.0.0", INBOUND_SMTP_MAX_BYTES: "1048576" })
        .inbound.smtp,
    ).toEqual({ host: "0.0.0.0", port: 25, maxBytes: 1_048_576 });
    expect(() => loadConfig({ INBOUND_SMTP_PORT: "70000" })).toThrow(/INBOUND_SMTP_PORT/);
    expect(() => loadConfig({ INBOUND_SMTP_PORT: "25", INBOUND_SMTP_MAX_BYTES: "10" })).toThrow(
      /INBOUND_SMTP_MAX_BYTES/,
    );
  });
});
