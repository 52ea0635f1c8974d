import { Socket } from "node:net";

type AnyArgs = (this: Socket, ...args: unknown[]) => unknown;
const socketWrite = Socket.prototype.write as AnyArgs;
const socketConnect = Socket.prototype.connect as AnyArgs;

/**
 * A socket that sends what one turn of the event loop wrote to it in one system call.
 *
 * node-postgres writes each protocol message of a statement (Bind, Describe, Execute, Sync) with
 * a write of its own, and Node sends each write at once: four system calls and four segments on
 * the wire for one statement. On the virtual machines banks run us on, a socket write is one of
 * the dearest things a process does (a tenth of the notification worker's CPU went to them).
 * Corking on the first write of a turn and uncorking on the next tick gathers them into one
 * writev, and PostgreSQL reads the statement in one receive. Nothing waits longer: the tick runs
 * before the event loop goes back to I/O.
 */
export class TickGatheringSocket extends Socket {
  #gathering = false;

  // net.Socket's connect() puts Writable's write back on the socket (that is how it lifts its
  // write-after-end guard), so an overriding method would be bypassed: the gathering write is
  // installed on the instance after it.
  override connect(...args: unknown[]): this {
    socketConnect.apply(this, args);
    this.write = gatheringWrite as Socket["write"];
    return this;
  }

  /** Corks the socket until the next tick, once per turn that writes. */
  gather(): void {
    if (this.#gathering) return;
    this.#gathering = true;
    this.cork();
    process.nextTick(releaseGathered, this);
  }

  release(): void {
    this.#gathering = false;
    this.uncork();
  }
}

function gatheringWrite(this: TickGatheringSocket, ...args: unknown[]): boolean {
  this.gather();
  return socketWrite.apply(this, args) as boolean;
}

function releaseGathered(socket: TickGatheringSocket): void {
  socket.release();
}
