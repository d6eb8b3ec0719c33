import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Middlewares run one after the other as ONE middleware (a stage of the app's chain, see
 * request-chain.ts, or a layer of a router), as express's router would run them as layers of
 * their own: a handler's `next()` runs the following one, `next(error)`
 * (or a throw, or a rejected promise) goes to the error handlers, `next('route')` goes on to
 * the following one, `next('router')` leaves the router. Each layer the router walks costs a
 * few microseconds (its path matched, req.url and req.baseUrl trimmed and restored, its
 * parameters processed): for the gateway's ten or so every request passes, that was about a
 * twentieth of a read's time. Only for middlewares that take the request where it stands (no path of their own).
 */
export const series = (...handlers: RequestHandler[]): RequestHandler & { readonly handlers: readonly RequestHandler[] } => {
  for (const handler of handlers) if (handler.length > 3) throw new TypeError('series() takes request handlers, not error handlers');
  const run: RequestHandler = (req, res, done) => {
    let index = 0;
    const next: NextFunction = (error?: unknown) => {
      if (error === 'router' || (error && error !== 'route')) return done(error);
      const handler = handlers[index++];
      if (!handler) return done();
      runHandler(handler, req, res, next, done);
    };
    next();
  };
  // Who lists what the app serves reads its middlewares through it (the routes of a dispatch among them).
  return Object.assign(run, { handlers: [...handlers] });
};

/** Runs a handler as express's router runs one: its throw, or its returned promise's rejection, goes to `failed`. */
export const runHandler = (handler: RequestHandler, req: Request, res: Response, next: NextFunction, failed: (error: unknown) => void): void => {
  try {
    const result: unknown = handler(req, res, next);
    if (isThenable(result)) result.then(undefined, (rejection: unknown) => failed(rejection || new Error('Rejected promise')));
  } catch (thrown) {
    failed(thrown);
  }
};

/** Whether a handler returned a promise (or another thenable), whose rejection is then its failure. */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
