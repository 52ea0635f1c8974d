import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("config", () => {
  it("has embedded defaults for a newcomer", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      role: "all",
      http: { host: "0.0.0.0", port: 3000 },
      database: { url: undefined, dataDir: "./.data" },
      redis: { url: "redis://127.0.0.1:6379", prefix: "sb", autostart: true },
      adminToken: undefined,
    });
  });

  it("opens /metrics outside production, closes it in production, and guards it with METRICS_TOKEN", () => {
    const production = { NODE_ENV: "production", ADMIN_TOKEN: "a".repeat(32) };
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
  ])("refuses %j naming %s", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${variable}\\b`));
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
});
