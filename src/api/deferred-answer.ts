import type { Response } from 'express';
import type { Logger } from 'pino';

/**
 * Sends a route's answer once `wait` has settled: a write that must be done before the answer
 * leaves (a read-your-writes position, an idempotent answer kept for its repeats). `wait`
 * handles its own failures. When the answer then fails to leave (a body that is not JSON, an
 * answer already sent meanwhile), the failure goes to the error handlers as a throw of
 * res.json would have, or, once headers are out, is logged and the connection closed: never a
 * rejection that nobody handles, which stops the process (Node's default).
 */
export const answerAfter = (res: Response, wait: Promise<unknown>, send: () => void, logger?: Logger): void => {
  void wait
    .then(send, send)
    .catch((error: unknown) => {
      if (!res.headersSent && res.req.next) return res.req.next(error);
      logger?.error({ err: error, reqId: res.req.id }, 'could not send an answer');
      res.destroy();
    });
};
