import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import type { Config } from "./config.js";
import { scrubText, scrubValue } from "./privacy/logRedaction.js";

export type { Logger };

/** destination is for tests that read what would be written; the hub logs to stdout. */
export function createLogger(config: Config["log"], destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.level,
    base: undefined,
    formatters: {
      level: (label) => ({ level: label }),
      // Every object logged passes the scrubber: secrets and personal data never reach a log line.
      log: (object) => scrubValue(object) as Record<string, unknown>,
    },
    // The log formatter has already turned errors into pino's shape and scrubbed them (scrubValue);
    // pino's default err serializer would serialize that plain object a second time.
    serializers: { err: (err: unknown) => err },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === "string" ? scrubText(a) : a));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    ...(config.pretty && !destination
      ? { transport: { target: "pino-pretty", options: { colorize: true } } }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
