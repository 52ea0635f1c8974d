import { Socket } from "node:net";

type AnyArgs = (this: Socket, ...args: unknown[]) => unknown;
const socketWrite = Socket.prototype.write as AnyArgs;
const socketConnect = Socket.prototype.connect as AnyArgs;

/** Sockets corked until their writes are released. */
const gathering = new WeakSet<Socket>();

function releaseGathered(socket: Socket): void {
  gathering.delete(socket);
  socket.uncork();
}

/** A socket's write that corks on the first write and schedules the uncork with `release`. */
const gatheringWrite = (release: (socket: Socket) => void) =>
  function write(this: Socket, ...args: unknown[]): boolean {
    if (!gathering.has(this)) {
      gathering.add(this);
      this.cork();
      release(this);
    }
    return socketWrite.apply(this, args) as boolean;
  };

const writeUntilNextTick = gatheringWrite((socket) => process.nextTick(releaseGathered, socket));
const writeUntilImmediate = gatheringWrite((socket) => {
  setImmediate(releaseGathered, socket);
});

/**
 * Makes a connected socket send what one turn of the event loop wrote to it in one system call.
 *
 * The database and Redis drivers write each message with a write of its own, and Node sends each
 * write at once: node-postgres writes Bind, Describe, Execute and Sync apart (four system calls and
 * four loopback segments for one statement), and ioredis one write per command, where a batch of
 * jobs finishing together sends one BullMQ script call each. On the virtual machines banks run us
 * on, a socket write is one of the dearest things a process does (a tenth of the notification
 * worker's CPU went to them). Corking on the first write of a turn and uncorking on the next tick
 * sends them as one writev, and the server reads them in one receive. Nothing waits longer: the
 * tick runs before the event loop goes back to I/O.
 *
 * Call it again after every (re)connect: net.Socket's connect() puts Writable's write back on the
 * socket (that is how it lifts its write-after-end guard).
 */
export function gatherWritesPerTick(socket: Socket): void {
  socket.write = writeUntilNextTick as Socket["write"];
}

/** A socket for node-postgres (its `stream` option) that gathers its writes from the start. */
export class TickGatheringSocket extends Socket {
  override connect(...args: unknown[]): this {
    socketConnect.apply(this, args);
    gatherWritesPerTick(this);
    return this;
  }
}

/**
 * A socket that gathers its writes until the event loop's check phase (setImmediate) rather than
 * the next tick: for a writer whose one message is written over several ticks, as a stream pipeline
 * writes a body chunk by chunk through promise and nextTick hops (nodemailer: 12 writes an e-mail
 * per tick gathered into 9, until the check phase into 5-6). A write waits at most for the rest of
 * the turn's I/O callbacks; for a peer whose answer takes a network round trip, that is nothing.
 */
export class TurnGatheringSocket extends Socket {
  override connect(...args: unknown[]): this {
    socketConnect.apply(this, args);
    this.write = writeUntilImmediate as Socket["write"];
    return this;
  }
}
