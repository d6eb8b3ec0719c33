import { createHmac, hash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { stringify as canonicalJson } from 'safe-stable-stringify';
import { KeyedLock } from '../commands/keyed-lock.js';
import { ValidationError } from '../domain/shared/errors.js';
import { DuplicateKeyError, type Document, type ReadModelCollection, type ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { problem, sendProblem } from './problems.js';
import { answerAfter } from './deferred-answer.js';
import { NO_STORE } from './caching.js';
import { ClaimRenewals } from './idempotency-claims.js';

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
 * - repeats that race the first request wait for it, in any process of the shop: before it
 *   runs, a request claims its key in the shared store (one conditional write), and a repeat
 *   that finds the key claimed waits for the answer stored under it (or for the claim to be
 *   given back, or to run out when its process died), then is answered as above. A claim is
 *   short (5 s) and renewed every third of it while its request runs, so a request that runs
 *   long keeps its key, and a repeat sent after its process died waits at most one claim.
 * If the process dies after appending but before storing the answer, the command handler
 * still recognises the request by its derived event ids and appends nothing (see CommandHandler).
 *
 * Personal data (issue 17): a stored answer is the answer's body, and some bodies hold personal
 * fields (an address saved, a payment method's label and last digits, a subscription's or an
 * amended order's shipping address, a review's text). Those are kept for `personalTtlMs` (15
 * minutes unless set: the retries of a client that lost an answer) instead of a day; a retry
 * after that is still recognised by the command handler (its derived event ids) and appends
 * nothing. Every record names the customer it belongs to (`customerId`: the signed-in
 * customer, or the one a registration created), so an erasure deletes them all with
 * `forgetCustomer`. The `_id` and `fingerprint` are hashes; the raw key is not stored. The
 * fingerprint is an HMAC under the shop's key (`fingerprintKey`): a body can hold a password (a
 * registration, a password change), and a plain hash of it could be guessed offline at a hash's
 * speed by whoever reads the read models (a probe did, in milliseconds).
 */

type StoredAnswer = Document & {
  fingerprint: string;
  /** The customer the answer is about (see the notes above); null for anonymous requests that created none. */
  customerId: string | null;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  createdAt: string;
  expiresAt: string;
};

/** A key claimed by a request still running (in this process or another), until its answer replaces the claim. */
type Claim = Document & { fingerprint: string; customerId: string | null; claim: string; claimedUntil: string; createdAt: string; expiresAt: string };

type KeyRecord = StoredAnswer | Claim;

const isClaim = (record: KeyRecord): record is Claim => typeof record.claimedUntil === 'string';

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
/** How often a request waits, for a key another process's request holds, looks at it again. */
const CLAIM_POLL_MS = 10;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Fields of an answer body that make it personal (at any depth): it is then kept for `personalTtlMs` only. */
/** Fields of an answer body that make it a credential (a bearer token): such an answer is never kept. */
const CREDENTIAL_ANSWER_FIELDS: ReadonlySet<string> = new Set(['token']);
export const PERSONAL_ANSWER_FIELDS: ReadonlySet<string> = new Set(['email', 'line1', 'city', 'postalCode', 'shippingAddress', 'addresses', 'label', 'last4', 'text', 'authorName']);

export class IdempotencyKeys {
  private readonly lock = new KeyedLock();
  private readonly answers: ReadModelCollection<KeyRecord>;
  private readonly renewals: ClaimRenewals<KeyRecord>;

  constructor(
    store: ReadModelStore,
    private readonly ttlMs = 24 * 3600 * 1000,
    private readonly logger?: Logger,
    /**
     * How long a claim holds a key for a request that neither answers nor gives it back (its
     * process died): renewed every third of it while the request runs (idempotency-claims.ts).
     */
    private readonly claimMs = 5_000,
    /** How long an answer holding personal fields is kept (see the notes above). */
    private readonly personalTtlMs = 15 * 60_000,
    /** The key of the bodies' fingerprints (see the notes above): the same in every process of the shop. */
    private readonly fingerprintKey: string | Buffer = 'idempotency fingerprints',
  ) {
    this.answers = store.collection<KeyRecord>(IDEMPOTENCY_COLLECTION);
    this.renewals = new ClaimRenewals(this.answers, claimMs, logger);
  }

  middleware(): RequestHandler {
    return async (req, res, next) => {
      const key = req.get('idempotency-key');
      if (key === undefined) return next();
      // Only POST routes take one (the contract): a key on a read, a PATCH or a DELETE would be a promise nobody keeps.
      if (req.method !== 'POST') {
        throw new ValidationError('this route takes no Idempotency-Key', [{ field: 'Idempotency-Key', message: 'should not be sent: only POST routes take one' }]);
      }
      if (!KEY_PATTERN.test(key)) {
        throw new ValidationError('invalid Idempotency-Key', [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
      }
      const scope = req.principal?.customerId ?? 'anonymous';
      const id = sha256(`${scope}\n${req.method}\n${req.originalUrl}\n${key}`);
      const fingerprint = createHmac('sha256', this.fingerprintKey).update(canonicalJson(req.body ?? null) ?? 'null').digest('hex');
      await this.lock.run(id, async () => {
        const stored = await this.claimOrAnswer(id, fingerprint, req.principal?.customerId ?? null);
        if (typeof stored !== 'string') return replay(res, stored, fingerprint);
        req.idempotencyKey = `${scope}:${key}`;
        await this.answerAndStore(res, id, fingerprint, next, stored);
      });
    };
  }

  /**
   * The answer stored under the key, or this request's claim on it (its token). A key another
   * process's request holds is waited for: its answer, or its claim given back or run out.
   */
  private async claimOrAnswer(id: string, fingerprint: string, customerId: string | null): Promise<StoredAnswer | string> {
    for (;;) {
      const now = new Date().toISOString();
      const stored = await this.answers.findOne({ _id: id });
      if (stored && stored.expiresAt > now && !isClaim(stored)) return stored;
      if (stored && stored.expiresAt > now && isClaim(stored) && stored.claimedUntil > now) {
        await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
        continue;
      }
      const token = await this.claim(id, fingerprint, customerId, now);
      if (token) return token;
    }
  }

  /** Claims a key that is free, expired, or whose claim ran out; undefined when another request claimed it first. */
  private async claim(id: string, fingerprint: string, customerId: string | null, now: string): Promise<string | undefined> {
    const token = randomUUID();
    const until = (ms: number) => new Date(Date.parse(now) + ms).toISOString();
    const claim: Claim = { _id: id, fingerprint, customerId, claim: token, claimedUntil: until(this.claimMs), createdAt: now, expiresAt: until(this.ttlMs) };
    try {
      await this.answers.replaceOne({ _id: id, $or: [{ expiresAt: { $lte: now } }, { claimedUntil: { $lte: now } }] }, claim, { upsert: true, durable: false });
      return token;
    } catch (error) {
      if (error instanceof DuplicateKeyError) return undefined;
      throw error;
    }
  }

  /** Lets the route answer, storing a final answer before it leaves; resolves once it has been sent. */
  private answerAndStore(res: Response, id: string, fingerprint: string, next: () => void, claim: string): Promise<void> {
    return new Promise((resolve) => {
      let answered = false;
      const renewing = this.renewals.keep(id, claim, res.req.id);
      const giveBack = () => this.giveBack(id, claim, res.req.id);
      const ended = () => {
        this.renewals.end(renewing);
        return answered ? resolve() : void giveBack().finally(resolve);
      };
      // A request that ends without an answer through res.json (a dropped connection) gives its key back too.
      res.once('finish', ended);
      res.once('close', ended);
      const send = res.json.bind(res);
      res.json = (body: unknown) => {
        answered = true;
        this.renewals.end(renewing);
        // Nothing kept: the key is given back, and a repeat waiting for it (here or in another process) runs.
        // An answer that carries a credential (a password change's new bearer token) is not kept: a working token at rest.
        const kept = res.req.executing && isFinal(res.statusCode, body) && !holdsFields(body, CREDENTIAL_ANSWER_FIELDS) ? this.store(res, id, fingerprint, body) : giveBack();
        answerAfter(res, kept, () => send(body), this.logger);
        return res;
      };
      next();
    });
  }

  /** Stops renewing this process's claims (it is going away): a request still running keeps its key for one claim more at most. */
  stop(): void {
    this.renewals.stop();
  }

  private store(res: Response, id: string, fingerprint: string, body: unknown): Promise<unknown> {
    const now = new Date();
    const headers = Object.fromEntries(REPLAYED_HEADERS.filter((h) => res.get(h) !== undefined).map((h) => [h, String(res.get(h))]));
    const created = (body as { customerId?: unknown } | null)?.customerId;
    const answer: StoredAnswer = {
      _id: id,
      fingerprint,
      customerId: res.req.principal?.customerId ?? (typeof created === 'string' ? created : null),
      status: res.statusCode,
      body,
      headers: { ...headers, 'content-type': String(res.get('content-type') ?? 'application/json') },
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (holdsFields(body, PERSONAL_ANSWER_FIELDS) ? this.personalTtlMs : this.ttlMs)).toISOString(),
    };
    return this.answers
      .replaceOne({ _id: id }, answer, { upsert: true })
      .catch((error: unknown) => this.logger?.error({ err: error, reqId: res.req.id }, 'could not store an idempotent answer'));
  }

  private giveBack(id: string, claim: string, reqId: unknown): Promise<unknown> {
    return this.answers
      .deleteOne({ _id: id, claim }, { durable: false })
      .catch((error: unknown) => this.logger?.error({ err: error, reqId }, 'could not give back an idempotency key'));
  }

  /** Forgets every key and answer of a customer (an erasure); answers how many. */
  async forgetCustomer(customerId: string): Promise<number> {
    return (await this.answers.deleteMany({ customerId })).deletedCount;
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
  // A problem is never stored by caches, replayed or not (as sendProblem answers it the first time).
  if (stored.status >= 400) res.set('Cache-Control', NO_STORE);
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

/** Whether a body holds one of `fields`, at any depth. */
const holdsFields = (value: unknown, fields: ReadonlySet<string>, depth = 0): boolean => {
  if (value === null || typeof value !== 'object' || depth > 8) return false;
  if (Array.isArray(value)) return value.some((item) => holdsFields(item, fields, depth + 1));
  return Object.entries(value).some(([key, item]) => fields.has(key) || holdsFields(item, fields, depth + 1));
};

const sha256 = (text: string) => hash('sha256', text, 'hex');
