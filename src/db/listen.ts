import pg from "pg";
import type { Logger } from "../logger.js";

/** Stops listening and closes what the listener opened. */
export type Unlisten = () => Promise<void>;

/**
 * LISTEN on a PostgreSQL channel over a connection of its own: a pooled connection would be handed
 * to other queries, and a LISTEN lives only as long as its session. When the connection is lost
 * (server restart, failover, a terminated backend) it reconnects every retryMs until it listens
 * again, then calls onNotify once: notifications sent while nobody listened are gone for good.
 * The first connection must succeed; its failure is thrown to the caller.
 */
export async function listenPostgres(options: {
  url: string;
  channel: string;
  onNotify: () => void;
  logger?: Logger | undefined;
  retryMs?: number;
}): Promise<Unlisten> {
  const { url, channel, onNotify, logger } = options;
  const retryMs = options.retryMs ?? 1000;
  let closed = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const open = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (current === client) current = undefined;
      client.end().catch(() => undefined);
      if (closed) return;
      logger?.warn({ err: err?.message, channel }, "database listener lost; reconnecting");
      retry = setTimeout(reopen, retryMs);
    };
    client.on("notification", (message) => {
      if (message.channel === channel) onNotify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (err) {
      lost = true; // the caller (or reopen) decides what a failed attempt means
      await client.end().catch(() => undefined);
      throw err;
    }
    client.on("error", onLost);
    client.on("end", () => onLost());
    current = client;
  };

  const reopen = () => {
    retry = undefined;
    if (closed) return;
    open().then(
      () => {
        if (closed) return void current?.end().catch(() => undefined);
        logger?.info({ channel }, "database listener reconnected");
        onNotify();
      },
      () => {
        if (!closed) retry = setTimeout(reopen, retryMs);
      },
    );
  };

  await open();
  return async () => {
    closed = true;
    if (retry) clearTimeout(retry);
    const client = current;
    current = undefined;
    await client?.end().catch(() => undefined);
  };
}
