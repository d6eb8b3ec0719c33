import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/** How long a stopping server lets the requests in flight finish before it closes every connection it still has. */
export const HTTP_DRAIN_MS = 10_000;

/** How long a kept-alive connection must have been at rest before a drain closes it under its client. */
export const QUIET_MS = 250;

export type Drainable = { drain(drainMs?: number): Promise<void> };

/** A connection: how many of its requests are being answered, and since when it has been at rest. */
type Use = { answering: number; restingSince: number };

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
 * everything still open after `drainMs`.
 */
export const drainable = (server: Server): Drainable => {
  let draining = false;
  const connections = new Map<Socket, Use>();
  /** Requests taken and not answered yet. */
  const inFlight = new Set<ServerResponse>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { answering: 0, restingSince: performance.now() });
    socket.once('close', () => connections.delete(socket));
  });
  server.prependListener('request', (req, res: ServerResponse) => {
    const use = connections.get(req.socket);
    if (use) use.answering += 1;
    res.once('close', () => {
      inFlight.delete(res);
      if (use) {
        use.answering -= 1;
        use.restingSince = performance.now();
      }
    });
    if (draining) closing(res);
    else inFlight.add(res);
  });
  return {
    async drain(drainMs = HTTP_DRAIN_MS) {
      draining = true;
      for (const res of inFlight) closing(res);
      inFlight.clear();
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const quiet = setInterval(() => {
        const now = performance.now();
        for (const [socket, use] of connections) if (use.answering === 0 && now - use.restingSince >= QUIET_MS) socket.destroy();
      }, QUIET_MS / 5);
      const late = setTimeout(() => server.closeAllConnections(), drainMs);
      try {
        await closed;
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
