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

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "" }).database.url).toBeUndefined();
  });

  it.each([
    [{ ROLE: "everything" }, "ROLE"],
    [{ PORT: "eighty" }, "PORT"],
    [{ DATABASE_URL: "mysql://localhost/db" }, "DATABASE_URL"],
    [{ REDIS_URL: "not a url" }, "REDIS_URL"],
    [{ ADMIN_TOKEN: "short" }, "ADMIN_TOKEN"],
    [{ REDIS_PREFIX: "has:colon" }, "REDIS_PREFIX"],
    [{ NODE_ENV: "production" }, "ADMIN_TOKEN"],
    [{ HTTP_HEADERS_TIMEOUT_MS: "90000" }, "HTTP_HEADERS_TIMEOUT_MS"],
    [{ STATEMENT_TIMEOUT_MS: "-1" }, "STATEMENT_TIMEOUT_MS"],
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
