import { type Logger, pino } from "pino";
import type { Config } from "./config.js";
import { scrubText, scrubValue } from "./privacy/logRedaction.js";

export type { Logger };

export function createLogger(config: Config["log"]): Logger {
  return pino({
    level: config.level,
    base: undefined,
    formatters: {
      level: (label) => ({ level: label }),
      // Every object logged passes the scrubber: secrets and personal data never reach a log line.
      log: (object) => scrubValue(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === "string" ? scrubText(a) : a));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: { err: pino.stdSerializers.err },
    ...(config.pretty ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {}),
  });
}
