import type { Server, ServerResponse } from 'node:http';

/** How long a stopping server lets the requests in flight finish before it closes every connection it still has. */
export const HTTP_DRAIN_MS = 10_000;

export type Drainable = { drain(drainMs?: number): Promise<void> };

/**
 * A server's clean stop. node's `server.close()` stops taking connections and closes the idle
 * ones, but a client that keeps its keep-alive connection busy is served for as long as it
 * sends (a probe: 45,806 cart commands answered in the 30 s after SIGTERM, and the stop held
 * as long). So once the drain starts every answer closes its connection (`Connection: close`),
 * connections are closed as they come to rest, and those still open after `drainMs` are closed.
 */
export const drainable = (server: Server): Drainable => {
  let draining = false;
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
  });
  return {
    async drain(drainMs = HTTP_DRAIN_MS) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A connection whose answer began before the drain stays open once answered, at rest: closed here.
      const atRest = setInterval(() => server.closeIdleConnections(), 100);
      const late = setTimeout(() => server.closeAllConnections(), drainMs);
      try {
        await closed;
      } finally {
        clearInterval(atRest);
        clearTimeout(late);
      }
    },
  };
};
