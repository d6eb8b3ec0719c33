import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isBusy, isFull } from '../infrastructure/sqlite-write-lock.js';
import { loggedUrl } from './log-privacy.js';
import {
  ConcurrencyError,
  ConflictError,
  ForbiddenError,
  IllegalStateError,
  NotFoundError,
  PreconditionFailedError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  WrongPasswordError,
  type FieldError,
} from '../domain/shared/errors.js';
import { KeyDestroyedError } from '../privacy/key-store.js';
import { OrdersBackloggedError } from '../admission/order-backlog.js';
import { ReadModelsBehindError } from './read-models-behind.js';
import { OutOfStockError, PricesChangedError, type PriceChange, type Shortage } from '../domain/cart/cart.js';
import { StorageDamagedError } from '../infrastructure/event-store/file-damage.js';

/** RFC 9457 problem details: what every failure answers. */
export type Problem = { type: string; title: string; status: number; detail: string; errors?: FieldError[]; changes?: PriceChange[]; shortages?: Shortage[] };

type ErrorClass = abstract new (...args: never[]) => Error;

/** THE table from domain error to HTTP status. */
const STATUS_OF: ReadonlyArray<[ErrorClass, number, string]> = [
  [ValidationError, 400, 'validation-failed'],
  [UnauthorizedError, 401, 'unauthorized'],
  [ForbiddenError, 403, 'forbidden'],
  [NotFoundError, 404, 'not-found'],
  // Before ConflictError, which it extends.
  [PricesChangedError, 409, 'prices-changed'],
  [OutOfStockError, 409, 'out-of-stock'],
  [ConflictError, 409, 'conflict'],
  [IllegalStateError, 409, 'illegal-state'],
  [ConcurrencyError, 409, 'concurrent-modification'],
  // Personal data for a customer whose keys an erasure destroyed meanwhile (in another process, between the request's checks and its append).
  [KeyDestroyedError, 409, 'conflict'],
  [PreconditionFailedError, 412, 'precondition-failed'],
  [UnprocessableError, 422, 'unprocessable'],
  [TooManyRequestsError, 429, 'too-many-requests'],
  // Before UnavailableError, which it extends.
  [OrdersBackloggedError, 503, 'orders-backlogged'],
  [ReadModelsBehindError, 503, 'read-models-behind'],
  [UnavailableError, 503, 'unavailable'],
];

/** The error type of a JSON body whose bytes are not UTF-8 (app.ts). */
export const NOT_UTF8 = 'entity.not.utf8';

/** body-parser's error types, and ours raised through it. */
const PARSER_ERRORS: Record<string, [number, string, string]> = {
  [NOT_UTF8]: [400, 'unreadable-request', 'The request body is not valid UTF-8.'],
  'entity.parse.failed': [400, 'malformed-json', 'The request body is not valid JSON.'],
  'entity.too.large': [413, 'payload-too-large', 'The request body is larger than 1 MiB.'],
  'encoding.unsupported': [415, 'unsupported-encoding', 'The request body encoding is not supported.'],
  'charset.unsupported': [415, 'unsupported-charset', 'The request body charset is not supported.'],
  'request.aborted': [400, 'request-aborted', 'The request body was not received completely.'],
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  431: 'Request Header Fields Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problem = (status: number, slug: string, detail: string, errors?: FieldError[]): Problem => ({
  type: `urn:shop:problem:${slug}`,
  title: TITLES[status] ?? 'Error',
  status,
  detail,
  ...(errors ? { errors } : {}),
});

/** A problem is never stored by a cache: the next request may well succeed. */
export const sendProblem = (res: Response, body: Problem): void => {
  res.status(body.status).set('Cache-Control', 'no-store').type('application/problem+json').json(body);
};

export const toProblem = (error: unknown): Problem | undefined => {
  for (const [errorClass, status, slug] of STATUS_OF) {
    if (error instanceof errorClass) {
      const found = problem(status, slug, error.message, error instanceof ValidationError ? error.errors : undefined);
      if (error instanceof PricesChangedError) return { ...found, changes: error.changes };
      return error instanceof OutOfStockError ? { ...found, shortages: error.shortages } : found;
    }
  }
  const parserType = (error as { type?: unknown } | null)?.type;
  if (typeof parserType === 'string' && PARSER_ERRORS[parserType]) {
    const [status, slug, detail] = PARSER_ERRORS[parserType];
    return problem(status, slug, detail);
  }
  return clientErrorOfExpress(error);
};

/**
 * Other client errors raised inside express and body-parser (http-errors with a 4xx status):
 * a body that does not decompress (Content-Encoding: gzip over plain text), a path segment
 * that does not percent-decode. They are the client's, not a failure of ours.
 */
const clientErrorOfExpress = (error: unknown): Problem | undefined => {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499 || expose === false) return undefined;
  return unreadableRequest(status);
};

export const unreadableRequest = (status = 400): Problem =>
  problem(status, 'unreadable-request', 'The request could not be read: check its encoding and its URL.');

/** Names the path as the client sent it (`req.path` is the part under the stage's mount: `/api/v1/nope` read `/nope`). */
export const notFoundRoute: RequestHandler = (req, res) => {
  sendProblem(res, problem(404, 'route-not-found', `No route ${req.method} ${(req.originalUrl || req.url).split('?')[0]}`));
};

/** A 401 says how to authenticate (RFC 9110 §11.6.1, RFC 6750 §3): with a bearer token, and whether the one sent was refused. */
const challenge = (tokenSent: boolean) => `Bearer realm="shop-api"${tokenSent ? ', error="invalid_token"' : ''}`;

export const errorHandler =
  (logger: Logger): ErrorRequestHandler =>
  (error, req, res, _next) => {
    const known = toProblem(error);
    if (error instanceof TooManyRequestsError || error instanceof UnavailableError) res.set('Retry-After', String(error.retryAfterSeconds));
    // invalid_token only when the token is what was refused, not a password re-entered with a good one.
    if (error instanceof UnauthorizedError) res.set('WWW-Authenticate', challenge(req.get('authorization') !== undefined && !(error instanceof WrongPasswordError)));
    if (error instanceof PreconditionFailedError && error.currentRevision !== null) {
      res.set('ETag', `"${error.currentRevision}"`);
    }
    // The cart's revision after its re-price: what a checkout sent again names in If-Match.
    if (error instanceof PricesChangedError) res.set('ETag', `"${error.cartRevision}"`);
    if (!known && isBusy(error)) {
      // Another process of the shop held the store's write lock for as long as a write may wait (a process stopped mid-write).
      logger.warn({ err: error, reqId: req.id, method: req.method, url: loggedUrl(req.originalUrl) }, 'store busy: another process holds its write lock');
      if (res.headersSent) return;
      res.set('Retry-After', '1');
      return sendProblem(res, problem(503, 'store-busy', 'The store is busy: another process of the shop holds its write lock. Nothing was done; try again shortly.'));
    }
    if (!known && error instanceof StorageDamagedError) {
      // The log's file is damaged: nothing more is written to it until it is restored (FileDamage); said at once, not retried.
      logger.error({ err: error, reqId: req.id, method: req.method, url: loggedUrl(req.originalUrl) }, 'storage damaged: nothing was written');
      if (res.headersSent) return;
      return sendProblem(res, problem(503, 'storage-damaged', "The shop's storage is damaged: nothing was done. The operator has been told."));
    }
    if (!known && isFull(error)) {
      // The disk under DATA_DIR is full: the write was refused whole (SQLite rolls it back), and goes through once space is freed.
      logger.error({ err: error, reqId: req.id, method: req.method, url: loggedUrl(req.originalUrl) }, 'storage full: nothing was written');
      if (res.headersSent) return;
      res.set('Retry-After', '30');
      return sendProblem(res, problem(503, 'storage-full', "The shop's storage is full: nothing was done. Try again later."));
    }
    if (!known) logger.error({ err: error, reqId: req.id, method: req.method, url: loggedUrl(req.originalUrl) }, 'unhandled error');
    if (res.headersSent) return;
    sendProblem(res, known ?? problem(500, 'internal', 'Something went wrong on our side; it has been logged.'));
  };
