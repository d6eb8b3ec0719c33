import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/** How long a stopping server lets the requests in flight finish before it closes every connection it still has. */
export const HTTP_DRAIN_MS = 10_000;

/** How long a kept-alive connection must have been at rest before a drain closes it under its client. */
export const QUIET_MS = 250;

/** A draining server keeps taking connections until none has come for this long (at most LINGER_MS): see drainable. */
export const LINGER_QUIET_MS = 50;
export const LINGER_MS = 1_000;

export type Drainable = { drain(drainMs?: number): Promise<void> };

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
 * Before it stops taking connections, it takes those already made. A connection waits in the
 * listening socket's queue until the event loop takes it, and closing the socket resets every
 * one still there: a probe's clients, their requests sent up to 750 ms before the signal to a
 * busy server, were reset. So the server goes on taking connections (each answered with
 * `Connection: close`) until none has come for LINGER_QUIET_MS, at most LINGER_MS. Past that,
 * a client that opens connections without pause may still meet a reset at the close: a
 * balancer in front takes a stopping process out of rotation first (its connections refused).
 */
export const drainable = (server: Server): Drainable => {
  let draining = false;
  let lastConnectionAt = performance.now();
  const connections = new Map<Socket, Use>();
  server.on('connection', (socket: Socket) => {
    lastConnectionAt = performance.now();
    connections.set(socket, { answering: new Set(), restingSince: lastConnectionAt, readAtRest: 0 });
    socket.once('close', () => connections.delete(socket));
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
  const atRest = (socket: Socket, use: Use, now: number): boolean =>
    use.answering.size === 0 && now - use.restingSince >= QUIET_MS && socket.bytesRead === use.readAtRest;
  /** Resolves once no connection has come for LINGER_QUIET_MS (after a turn of the loop, which takes those queued), or after LINGER_MS. */
  const lingering = () =>
    new Promise<void>((resolve) => {
      const until = performance.now() + LINGER_MS;
      const look = () => {
        const now = performance.now();
        const quietFor = now - lastConnectionAt;
        if (quietFor >= LINGER_QUIET_MS || now >= until) return resolve();
        setTimeout(look, Math.min(LINGER_QUIET_MS - quietFor, until - now));
      };
      setImmediate(look);
    });
  return {
    async drain(drainMs = HTTP_DRAIN_MS) {
      draining = true;
      for (const use of connections.values()) for (const res of use.answering) closing(res);
      const quiet = setInterval(() => {
        const now = performance.now();
        for (const [socket, use] of connections) if (atRest(socket, use, now)) socket.destroy();
      }, QUIET_MS / 5);
      const late = setTimeout(() => server.closeAllConnections(), drainMs);
      try {
        await lingering();
        await new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
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
