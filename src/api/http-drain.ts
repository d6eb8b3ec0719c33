import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/** How long a stopping server lets the requests in flight finish before it closes every connection it still has. */
export const HTTP_DRAIN_MS = 10_000;

/** How long a kept-alive connection must have been at rest before a drain closes it under its client. */
export const QUIET_MS = 250;

export type Drainable = {
  /** Stops taking connections (those made go on); drain() does it too. */
  stopListening(): void;
  drain(drainMs?: number): Promise<void>;
};

/** A connection: its requests taken and not answered yet, since when it has been at rest, and what it had sent by then. */
type Use = { answering: Set<ServerResponse>; restingSince: number; readAtRest: number };

/**
 * A server's clean stop. node's `server.close()` stops taking connections and at once closes
 * those with no request being answered. Two probes of that:
 * - a client that keeps its kept-alive connection busy is served for as long as it sends
 *   (45,806 cart commands answered in the 30 s after SIGTERM, and the stop held as long);
 * - a connection whose next request has come in but is not read yet counts as at rest, and is
 *   closed under it: back-to-back clients had nearly every connection reset, their last
 *   request never answered (nothing applied, but a POST without an Idempotency-Key cannot know).
 *
 * So a drain stops taking connections but closes none at once (net.Server's own close, which
 * http.Server's extends with that closing). Every answer from then on, those of the requests
 * in flight included, closes its connection (`Connection: close`). A connection at rest for
 * QUIET_MS (its client sends nothing more: a browser's idle connection) is closed, as is
 * everything still open after `drainMs`. At rest means nothing received since its last
 * answer: a request whose head is still coming in is not cut off (a probe's was, at 55 ms).
 *
 * It stops listening at once. A connection still waiting in the listening socket's queue (made
 * by the kernel, not taken yet by a busy event loop) is reset by that: no way of closing a
 * listening socket spares them. Taking them first was tried, and reset more: the answers that
 * close connections send their clients to open new ones at once, and those came in before the
 * close. Ten stops each, 32 clients sending back to back: 6 resets closing at once (each on a
 * connection queued before the signal), 68 taking connections until none came for 50 ms, 282
 * taking them for a turn or two of the loop with the answers held back meanwhile. A balancer
 * in front takes a stopping process out of rotation first.
 */
export const drainable = (server: Server): Drainable => {
  let draining = false;
  const connections = new Map<Socket, Use>();
  /** Told when the last connection closes (the drain waits for it). */
  let emptied: (() => void) | undefined;
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { answering: new Set(), restingSince: performance.now(), readAtRest: 0 });
    socket.once('close', () => {
      connections.delete(socket);
      if (connections.size === 0) emptied?.();
    });
  });
  server.prependListener('request', (req, res: ServerResponse) => {
    const use = connections.get(req.socket);
    if (draining) closing(res);
    if (!use) return;
    use.answering.add(res);
    res.once('close', () => {
      use.answering.delete(res);
      use.restingSince = performance.now();
      use.readAtRest = req.socket.bytesRead;
    });
  });
  let listening: Promise<void> | undefined;
  const stopListening = () =>
    (listening ??= new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve())));
  const atRest = (socket: Socket, use: Use, now: number): boolean =>
    use.answering.size === 0 && now - use.restingSince >= QUIET_MS && socket.bytesRead === use.readAtRest;
  return {
    stopListening: () => void stopListening(),
    async drain(drainMs = HTTP_DRAIN_MS) {
      draining = true;
      for (const use of connections.values()) for (const res of use.answering) closing(res);
      const quiet = setInterval(() => {
        const now = performance.now();
        for (const [socket, use] of connections) if (atRest(socket, use, now)) socket.destroy();
      }, QUIET_MS / 5);
      const late = setTimeout(() => server.closeAllConnections(), drainMs);
      try {
        // net.Server's close waits for the connections it took; those a primary handed this worker
        // (a server listening on nothing, see ConnectionHandout) are waited for here.
        await stopListening();
        if (connections.size > 0) await new Promise<void>((resolve) => (emptied = resolve));
      } finally {
        clearInterval(quiet);
        clearTimeout(late);
      }
    },
  };
};

/** Its answer closes the connection (`Connection: close`), if its headers are not sent yet. */
const closing = (res: ServerResponse): void => {
  if (!res.headersSent) res.setHeader('Connection', 'close');
};
