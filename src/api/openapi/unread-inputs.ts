import type { RequestHandler } from 'express';
import { ValidationError } from '../../domain/shared/errors.js';

/**
 * What a route does not read is refused, not ignored (the client asked for something nobody
 * would do, and would take the answer as done):
 * - a query string on a read that takes none (`?status=Failed` on a route without filters
 *   would answer everything); writes refuse query strings at the gateway (../app.ts);
 * - If-Match on a read, on a write that is no command, or on a command whose stream's revision
 *   no client knows (notify-me): a condition nobody checks;
 * - If-None-Match on a write: no write here creates at a URL the client names, so the
 *   condition (RFC 9110 §13.1.2, "only if nothing is there yet") is never the one checked;
 * - X-Min-Position where nothing waits for the read models: a write (commands read the log),
 *   or a read of the log or the runners themselves (see ../consistency.ts);
 * - a body with fields on a write that reads none (`{"reason": "..."}` on a cancel would be
 *   dropped unread).
 */
export type RouteInputs = {
  /** Under /api/v1 (the operations routes outside it read what their own handlers read). */
  api: boolean;
  read: boolean;
  query: boolean;
  body: boolean;
  /** A write that runs a command whose client may name the revision it saw. */
  ifMatch: boolean;
  /** A read that waits for the read models (X-Min-Position). */
  waits: boolean;
};

export const refuseUnread = (route: RouteInputs): RequestHandler[] => {
  if (!route.api) return [];
  if (route.read) return [noIfMatchOnRead, ...(route.query ? [] : [noQueryString]), ...(route.waits ? [] : [noMinPosition('a read of the log or of the runners, which does not wait for the read models')])];
  return [
    ...(route.ifMatch ? [] : [noIfMatch]),
    noIfNoneMatchOnWrite,
    noMinPosition('a write (commands read the log, not the read models)'),
    ...(route.body ? [] : [noBody]),
  ];
};

const noQueryString: RequestHandler = (req, _res, next) => {
  const fields = Object.keys(req.query ?? {});
  if (fields.length > 0) throw new ValidationError('this route reads no query string', fields.map((field) => ({ field, message: 'should not exist' })));
  next();
};

const noIfMatch: RequestHandler = (req, _res, next) => {
  if (req.get('if-match') !== undefined) throw new ValidationError('this route takes no If-Match', [{ field: 'If-Match', message: 'should not be sent: this route names no resource revision a client knows' }]);
  next();
};

/**
 * If-Match is a condition on a write here (RFC 9110 makes it one on a read too, for range
 * requests): a read is refused with it rather than answered as if it held. If-None-Match is
 * what a read takes (the public ones).
 */
const noIfMatchOnRead: RequestHandler = (req, _res, next) => {
  if (req.get('if-match') !== undefined) throw new ValidationError('a read takes no If-Match', [{ field: 'If-Match', message: 'should not be sent: If-Match is a condition on writes (reads take If-None-Match)' }]);
  next();
};

const noIfNoneMatchOnWrite: RequestHandler = (req, _res, next) => {
  if (req.get('if-none-match') !== undefined) throw new ValidationError('a write takes no If-None-Match', [{ field: 'If-None-Match', message: 'should not be sent: a write takes If-Match (the revision it changes)' }]);
  next();
};

const noMinPosition =
  (what: string): RequestHandler =>
  (req, _res, next) => {
    if (req.get('x-min-position') !== undefined) throw new ValidationError('this route takes no X-Min-Position', [{ field: 'X-Min-Position', message: `should not be sent: this is ${what}` }]);
    next();
  };

/** No body and `{}` are one request (clients that always send JSON send `{}`); anything else names what is not read. */
const noBody: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (body === undefined) return next();
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('this route reads no body', [{ field: 'body', message: 'should be left out (or {})' }]);
  }
  const fields = Object.keys(body);
  if (fields.length > 0) throw new ValidationError('this route reads no body', fields.map((field) => ({ field, message: 'should not exist' })));
  next();
};
