import type { Server, ServerResponse } from 'node:http';

/** How long a stopping server lets the requests in flight finish before it closes every connection it still has. */
export const HTTP_DRAIN_MS = 10_000;

export type Drainable = { drain(drainMs?: number): Promise<void> };

/**
 * A server's clean stop. node's `server.close()` stops taking connections and closes the idle
 * ones, but a client that keeps its keep-alive connection busy is served for as long as it
 * sends (a probe: 45,806 cart commands answered in the 30 s after SIGTERM, and the stop held
 * as long). So once the drain starts every answer, those of the requests in flight included,
 * closes its connection (`Connection: close`), and what is still open after `drainMs` is closed.
 */
export const drainable = (server: Server): Drainable => {
  let draining = false;
  /** Requests taken and not answered yet. */
  const inFlight = new Set<ServerResponse>();
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) return closing(res);
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  return {
    async drain(drainMs = HTTP_DRAIN_MS) {
      draining = true;
      // The answers of the requests in flight close their connections too. Closed at rest a
      // moment after a keep-alive answer, a connection would be closed under the next request
      // its client sends the moment it has the answer: a reset, that request never answered.
      for (const res of inFlight) closing(res);
      inFlight.clear();
      // Stops taking connections, and closes those at rest now (a request on its way to one
      // of them meets a closed connection, as at any keep-alive timeout: clients retry those).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // An answer under way already (its headers sent with keep-alive) leaves its connection
      // open: node's keep-alive timeout (5 s) closes it, or this does.
      const late = setTimeout(() => server.closeAllConnections(), drainMs);
      try {
        await closed;
      } finally {
        clearTimeout(late);
      }
    },
  };
};

/** Its answer closes the connection (`Connection: close`), if its headers are not sent yet. */
const closing = (res: ServerResponse): void => {
  if (!res.headersSent) res.setHeader('Connection', 'close');
};
