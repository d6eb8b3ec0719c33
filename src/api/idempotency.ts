import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { stringify as canonicalJson } from 'safe-stable-stringify';
import { KeyedLock } from '../commands/keyed-lock.js';
import { ValidationError } from '../domain/shared/errors.js';
import type { Document, ReadModelCollection, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { problem, sendProblem } from './problems.js';

/**
 * `Idempotency-Key` on POST routes, as the common contract has it (the IETF draft
 * "The Idempotency-Key HTTP Header Field", and the payment APIs before it):
 * - the answer to a key is stored only when the request STARTED EXECUTING (its command
 *   ran: the route called `commandContext`, or `executionStarted` for operations), and
 *   only when it is final: a 400, 401, 403, 412, 429, a 409 concurrent-modification or a 5xx
 *   is not stored, so the corrected retry with the same key is executed, not answered with
 *   the old rejection;
 * - a repeat with the same key and the same body (compared canonically: the order of an
 *   object's fields does not matter) gets the stored answer back and appends nothing;
 *   a repeat with another body is refused (422);
 * - repeats that race the first request wait for it.
 * If the process dies after appending but before storing the answer, the command handler
 * still recognises the request by its derived event ids and appends nothing (see CommandHandler).
 */

type StoredAnswer = Document & {
  fingerprint: string;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  createdAt: string;
  expiresAt: string;
};

declare module 'express-serve-static-core' {
  interface Request {
    /** Scoped idempotency key: the seed of derived ids and event ids. */
    idempotencyKey?: string;
    /** Set once the request's command started executing: only then is its answer worth keeping. */
    executing?: boolean;
  }
}

/** Marks a request as executing (its validation passed, its effect may happen from here on). */
export const executionStarted = (req: Request): void => {
  req.executing = true;
};

export const IDEMPOTENCY_COLLECTION = 'idempotency_keys';
const REPLAYED_HEADERS = ['location', 'etag', 'x-position'];
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export class IdempotencyKeys {
  private readonly lock = new KeyedLock();
  private readonly answers: ReadModelCollection<StoredAnswer>;

  constructor(
    store: ReadModelStore,
    private readonly ttlMs = 24 * 3600 * 1000,
    private readonly logger?: Logger,
  ) {
    this.answers = store.collection<StoredAnswer>(IDEMPOTENCY_COLLECTION);
  }

  middleware(): RequestHandler {
    return async (req, res, next) => {
      const key = req.get('idempotency-key');
      if (req.method !== 'POST' || key === undefined) return next();
      if (!KEY_PATTERN.test(key)) {
        throw new ValidationError('invalid Idempotency-Key', [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
      }
      const scope = req.principal?.customerId ?? 'anonymous';
      const id = sha256(`${scope}\n${req.method}\n${req.originalUrl}\n${key}`);
      const fingerprint = sha256(canonicalJson(req.body ?? null) ?? 'null');
      await this.lock.run(id, async () => {
        const stored = await this.answers.findOne({ _id: id });
        if (stored && stored.expiresAt > new Date().toISOString()) return replay(res, stored, fingerprint);
        req.idempotencyKey = `${scope}:${key}`;
        await this.answerAndStore(res, id, fingerprint, next);
      });
    };
  }

  /** Lets the route answer, storing a final answer before it leaves; resolves once it has been sent. */
  private answerAndStore(res: Response, id: string, fingerprint: string, next: () => void): Promise<void> {
    return new Promise((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
      const send = res.json.bind(res);
      res.json = (body: unknown) => {
        if (!res.req.executing || !isFinal(res.statusCode, body)) return send(body);
        const now = new Date();
        const headers = Object.fromEntries(
          REPLAYED_HEADERS.filter((h) => res.get(h) !== undefined).map((h) => [h, String(res.get(h))]),
        );
        const answer: StoredAnswer = {
          _id: id,
          fingerprint,
          status: res.statusCode,
          body,
          headers: { ...headers, 'content-type': String(res.get('content-type') ?? 'application/json') },
          createdAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
        };
        this.answers
          .replaceOne({ _id: id }, answer, { upsert: true })
          .catch((error: unknown) => this.logger?.error({ err: error, reqId: res.req.id }, 'could not store an idempotent answer'))
          .finally(() => send(body));
        return res;
      };
      next();
    });
  }

  /** Forgets answers older than the retention period. */
  async purgeExpired(): Promise<number> {
    return (await this.answers.deleteMany({ expiresAt: { $lte: new Date().toISOString() } })).deletedCount;
  }
}

const replay = (res: Response, stored: StoredAnswer, fingerprint: string) => {
  if (stored.fingerprint !== fingerprint) {
    return sendProblem(
      res,
      problem(422, 'idempotency-key-reused', 'This Idempotency-Key was already used with a different request body.'),
    );
  }
  res.status(stored.status).set(stored.headers).set('Idempotent-Replayed', 'true');
  res.send(JSON.stringify(stored.body));
};

/**
 * Answers worth replaying: not server failures, not rate limiting, not missing rights, and
 * none that says nothing was done and a retry may go otherwise: a refusal of the input (a
 * 400 appended nothing; the retry may correct it), a precondition that did not hold (412:
 * the retry may name the current revision), or a write that kept losing to concurrent
 * writers (409 concurrent-modification, a transient failure like a 503).
 */
const isFinal = (status: number, body: unknown) =>
  status < 500 && ![400, 401, 403, 412, 429].includes(status) && !TRANSIENT_PROBLEMS.has(String((body as { type?: unknown } | null)?.type));

const TRANSIENT_PROBLEMS: ReadonlySet<string> = new Set([problem(409, 'concurrent-modification', '').type]);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
