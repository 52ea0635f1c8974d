import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { TurnGatheringSocket } from "../../src/net/gatherWrites.js";

/**
 * nodemailer's `getSocket`: the connection to the SMTP server, opened here so that its writes are
 * gathered until the end of the event loop's turn (src/net/gatherWrites.ts). nodemailer writes a
 * message's body as the MIME stream yields it, about twelve writes a message, each a system call
 * and a segment on the wire; gathered, five or six. nodemailer runs the SMTP dialogue (and TLS, for
 * `secure`) on this socket as on its own. `connectionTimeout` bounds the DNS lookup and the connect
 * together, as nodemailer's own connect does.
 */
export const gatheringSmtpSocket: SMTPTransport.Options["getSocket"] = (options, callback) => {
  const socket = new TurnGatheringSocket();
  let settled = false;
  const settle = (err: Error | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.removeListener("error", settle);
    if (err) {
      socket.destroy();
      return callback(err);
    }
    callback(null, { connection: socket });
  };
  const timer = setTimeout(
    () => settle(Object.assign(new Error("Connection timeout"), { code: "ETIMEDOUT" })),
    options.connectionTimeout ?? 10_000,
  );
  socket.once("error", settle);
  socket.connect({ host: options.host ?? "localhost", port: Number(options.port ?? 587) }, () =>
    settle(null),
  );
};
