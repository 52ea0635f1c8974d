import { Socket } from "node:net";

type AnyArgs = (this: Socket, ...args: unknown[]) => unknown;
const socketWrite = Socket.prototype.write as AnyArgs;
const socketConnect = Socket.prototype.connect as AnyArgs;

/** Sockets corked until the next tick. */
const gathering = new WeakSet<Socket>();

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
  socket.write = gatheringWrite as Socket["write"];
}

function gatheringWrite(this: Socket, ...args: unknown[]): boolean {
  if (!gathering.has(this)) {
    gathering.add(this);
    this.cork();
    process.nextTick(releaseGathered, this);
  }
  return socketWrite.apply(this, args) as boolean;
}

function releaseGathered(socket: Socket): void {
  gathering.delete(socket);
  socket.uncork();
}

/** A socket for node-postgres (its `stream` option) that gathers its writes from the start. */
export class TickGatheringSocket extends Socket {
  override connect(...args: unknown[]): this {
    socketConnect.apply(this, args);
    gatherWritesPerTick(this);
    return this;
  }
}
