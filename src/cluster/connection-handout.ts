import type { Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { isShopMessage, type ShopMessage } from './shop-messages.js';

/** How long a connection taken while no worker serves waits for one before it is reset. */
const NO_WORKER_MS = 10_000;

/**
 * A worker that has not taken a connection sent to it this long ago is stalled (SIGSTOP, a frozen
 * event loop): new connections go to the others until it takes what waits for it. A busy worker
 * takes its connections within milliseconds (a rebuild's longest turns are tens of them); one
 * found stalled by a long pause only sends the next few connections to the others.
 */
export const STALLED_MS = 500;

/**
 * The listening socket of `WORKERS=n`, held by the primary, which hands each connection it
 * takes to the serving workers in turn (`{ shop: 'connection' }` with the socket). node:cluster's
 * own round robin keeps its copy of a connection until the worker says it took it: a worker
 * killed in that moment (`kill -9`, an out-of-memory kill) never says so, and the connection
 * was never answered nor reset (a probe: 1 of about 2,350 connections opened around a kill hung,
 * and a request in 6 of 9 failover runs). Here the primary's copy is closed once the socket is
 * taken: the worker says so (`took`, with the connection's id); a connection sent to a worker
 * that dies before it says so is reset, and its client tries again. (node's own handle passing
 * keeps the sender's copy until the receiver acknowledges it, as its round robin does: hence
 * `keepOpen` and an acknowledgement of our own.) A connection that cannot be sent (the worker's channel closed already) is
 * handed to the next worker; one taken while none serves waits for one, 10 s at most.
 */
export class ConnectionHandout {
  private readonly server: Server;
  private readonly serving: Worker[] = [];
  private turn = 0;
  private waiting: Array<{ socket: Socket; timer: NodeJS.Timeout }> = [];
  /** Connections sent and not yet taken, by id: the primary's copy, closed once the worker says it took it, or reset if it dies first. */
  private readonly sent = new Map<number, { socket: Socket; worker: Worker }>();
  /** Each worker's connections not yet taken, by id, with when each was sent: the first is the oldest (a worker takes them in order). */
  private readonly pending = new Map<Worker, Map<number, number>>();
  private nextId = 1;

  constructor(private readonly stalledMs = STALLED_MS, private readonly now: () => number = Date.now) {
    // Paused: nothing of a connection is read here, all of it is the worker's.
    this.server = createServer({ pauseOnConnect: true }, (socket) => this.handOut(socket));
  }

  /** Listens; resolves with the port (one picked when `port` is 0). */
  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  /** The worker said it serves: connections go to it from now on. */
  serves(worker: Worker): void {
    if (this.serving.includes(worker)) return;
    this.serving.push(worker);
    const waiting = this.waiting;
    this.waiting = [];
    for (const { socket, timer } of waiting) {
      clearTimeout(timer);
      this.handOut(socket);
    }
  }

  /** The worker took the connection `id`: the primary's copy goes (the connection stays, the worker's). */
  took(id: number): void {
    const sent = this.sent.get(id);
    if (!sent) return;
    sent.socket.destroy();
    this.sent.delete(id);
    this.pending.get(sent.worker)?.delete(id);
  }

  /** Whether the worker has left a connection untaken for STALLED_MS: it is skipped while another one takes its connections. */
  stalled(worker: Worker): boolean {
    const oldest = this.pending.get(worker)?.values().next();
    return oldest !== undefined && !oldest.done && this.now() - oldest.value >= this.stalledMs;
  }

  /** The worker stopped taking connections, or is gone. */
  stopped(worker: Worker): void {
    const at = this.serving.indexOf(worker);
    if (at >= 0) this.serving.splice(at, 1);
  }

  /** The worker is gone: what was sent to it and not taken is reset (its client tries again). */
  gone(worker: Worker): void {
    this.stopped(worker);
    for (const [id, { socket, worker: to }] of this.sent) {
      if (to !== worker) continue;
      this.sent.delete(id);
      socket.resetAndDestroy();
    }
    this.pending.delete(worker);
  }

  /** Stops taking connections (those taken are still handed out). A connection made from now on is refused. */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handOut(socket: Socket, tries = 0): void {
    if (this.serving.length === 0 || tries >= this.serving.length) return this.wait(socket);
    const worker = this.nextWorker();
    const id = this.nextId++;
    const notSent = () => {
      // Its channel is closed (it is going): the connection was not sent, the next worker takes it.
      this.sent.delete(id);
      this.pending.get(worker)?.delete(id);
      this.stopped(worker);
      this.handOut(socket, tries + 1);
    };
    this.sent.set(id, { socket, worker });
    let pending = this.pending.get(worker);
    if (!pending) this.pending.set(worker, (pending = new Map()));
    pending.set(id, this.now());
    try {
      // keepOpen: node would keep its own copy until the worker's acknowledgement, for ever if it died first.
      worker.send({ shop: 'connection', id } satisfies ShopMessage, socket, { keepOpen: true }, (error: Error | null) => error && notSent());
    } catch {
      notSent();
    }
  }

  /**
   * The serving workers in turn, skipping a stalled one: a frozen worker was handed every n-th
   * connection for as long as it stayed frozen, each left hanging (a probe: 50 of 100 for 30 s,
   * and the primary's file descriptors with them). Those sent before it was found stalled wait
   * for it: they are in its channel already, and the primary cannot take them back without two
   * workers reading one connection. When every worker is stalled, the turn goes on as before.
   */
  private nextWorker(): Worker {
    for (let i = 0; i < this.serving.length; i += 1) {
      const worker = this.serving[this.turn++ % this.serving.length]!;
      if (!this.stalled(worker)) return worker;
    }
    return this.serving[this.turn++ % this.serving.length]!;
  }

  private wait(socket: Socket): void {
    const timer = setTimeout(() => {
      this.waiting = this.waiting.filter((w) => w.socket !== socket);
      socket.destroy();
    }, NO_WORKER_MS);
    this.waiting.push({ socket, timer });
  }
}

/**
 * A worker's side: every connection its primary hands it is served by `server` (see
 * ConnectionHandout), which listens on nothing. node's HTTP server starts tracking its
 * connections (what enforces the headers and request timeouts, and closeAllConnections) when
 * it starts listening: it is told it has.
 */
export const serveHandedOut = (server: HttpServer): void => {
  server.emit('listening');
  process.on('message', (message: unknown, socket?: Socket) => {
    if (!isShopMessage(message, 'connection') || !socket) return;
    server.emit('connection', socket);
    process.send?.({ shop: 'took', id: (message as ShopMessage).id } satisfies ShopMessage);
  });
  process.send?.({ shop: 'serving' } satisfies ShopMessage);
};
