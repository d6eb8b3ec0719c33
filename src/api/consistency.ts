import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { LruCache } from '../infrastructure/lru-cache.js';
import { answerAfter } from './deferred-answer.js';
import type { Document, ReadModelCollection, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { ValidationError } from '../domain/shared/errors.js';
import { ReadModelsBehindError } from './read-models-behind.js';

/**
 * Read-your-writes over eventually consistent read models. Every write answers with
 * `X-Position` (the log position of its last event); a read waits (up to a bound) until
 * the read models have processed the position its caller last wrote, or the one it names
 * in `X-Min-Position`. So a client never reads a state older than its own writes, while
 * anonymous traffic never waits. A read whose wait runs out is refused (503
 * `read-models-behind`, see ReadModelsBehindError), not answered from what is there.
 *
 * A shop runs as several processes behind one load balancer, so a caller's write and its
 * next read may reach different processes: the caller's last position is kept in the shared
 * read-model store (`session_positions`, one small document per principal, raised with
 * `$max`) before the write is answered, and a read looks it up there.
 */

export type PositionWaiter = { waitFor(position: number, timeoutMs: number): Promise<boolean> };

export const SESSION_POSITIONS = 'session_positions';

type SessionPosition = Document & { position: number };

declare module 'express-serve-static-core' {
  interface Locals {
    /** The position a write of the caller's reached, to keep in the shared store before the answer leaves. */
    sessionPosition?: { principal: string; position: number };
  }
}

export class SessionPositions {
  private readonly latest = new LruCache<string, number>(100_000);
  private readonly shared: ReadModelCollection<SessionPosition> | undefined;
  /** Positions to keep in the next batch (one write for every answer of a turn), and that batch. */
  private readonly pending = new Map<string, number>();
  private batch: Promise<void> | undefined;

  constructor(
    private readonly projections: PositionWaiter,
    private readonly waitMs: number,
    private readonly store?: ReadModelStore,
    private readonly logger?: Logger,
    /** The log's head position: an X-Min-Position past it is the client's error (400), not a wait that ran out (503). */
    private readonly head?: () => Promise<number>,
  ) {
    this.shared = store?.collection<SessionPosition>(SESSION_POSITIONS);
  }

  /** Records a write's position for its principal and tells the client. */
  wrote(res: Response, position: number | undefined): void {
    if (position === undefined) return;
    res.set('X-Position', String(position));
    this.noted(res, position);
  }

  /** Records a write's position for its principal without telling the client: a refusal that changed something (a cart re-priced) answers no X-Position. */
  noted(res: Response, position: number): void {
    const principal = res.req.principal?.customerId;
    if (!principal) return;
    this.latest.set(principal, Math.max(position, this.latest.get(principal) ?? 0));
    res.locals.sessionPosition = { principal, position };
  }

  /** Every request of the API: a write keeps its position before it is answered; a read's X-Min-Position must be one. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        this.keepBeforeAnswering(res);
        return next();
      }
      const header = req.get('x-min-position');
      if (header !== undefined && !/^\d{1,16}$/.test(header)) {
        throw new ValidationError('invalid X-Min-Position', [{ field: 'X-Min-Position', message: 'must be a log position' }]);
      }
      next();
    };
  }

  /**
   * The wait of a read that serves read models (the route table adds it to those routes, after
   * their guards): until they reach the caller's last write and the X-Min-Position named, or
   * 503 once READ_WAIT_MS has passed. Reads of the log or of the runners' own state (the audit,
   * the projections, parked work) do not wait: an operator sees them while the read models are behind.
   */
  reads(): RequestHandler {
    return async (req, _res, next) => {
      const header = req.get('x-min-position');
      const own = req.principal ? await this.lastWrite(req.principal.customerId) : 0;
      const named = header === undefined ? 0 : Number(header);
      // A position no write has reached yet is the client's mistake: told at once, not after the wait.
      if (named > own && this.head && named > (await this.head())) {
        throw new ValidationError('X-Min-Position is past the end of the log', [{ field: 'X-Min-Position', message: 'must be a position of the log (from an X-Position)' }]);
      }
      const target = Math.max(own, named);
      if (target > 0 && !(await this.projections.waitFor(target, this.waitMs))) throw new ReadModelsBehindError(target, this.waitMs);
      next();
    };
  }

  /** The caller's last write, as this process saw it or as any process of the shop stored it. */
  private async lastWrite(principal: string): Promise<number> {
    const here = this.latest.get(principal) ?? 0;
    if (!this.shared) return here;
    const stored = await this.shared.findOne({ _id: principal }, { projection: { position: 1 } }).catch(() => null);
    return Math.max(here, stored?.position ?? 0);
  }

  /**
   * Stores the position a write reached before its answer leaves, so that the caller's next
   * read finds it whichever process it reaches. A failure to store it costs only that wait: logged.
   */
  private keepBeforeAnswering(res: Response): void {
    if (!this.shared) return;
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const write = res.locals.sessionPosition;
      if (!write) return send(body);
      const kept = this.keep(write.principal, write.position).catch((error: unknown) =>
        this.logger?.warn({ err: error, reqId: res.req.id }, 'could not keep the position of a write for read-your-writes'),
      );
      answerAfter(res, kept, () => send(body), this.logger);
      return res;
    };
  }

  /**
   * Keeps a position with those of every other answer leaving now, in one write (a
   * transaction per answer cost a third of the write routes' throughput); resolves once that
   * write is done. The writes of one group commit are answered together, each at the end of
   * a chain of promises: the batch is written once those have all run (a tick comes after the
   * whole microtask queue), not on the next turn of the event loop, which would first take the
   * newly arrived requests and so hold every answer back by their time.
   */
  private keep(principal: string, position: number): Promise<void> {
    this.pending.set(principal, Math.max(position, this.pending.get(principal) ?? 0));
    this.batch ??= new Promise<void>((resolve) => process.nextTick(resolve)).then(() => this.flush());
    return this.batch;
  }

  private async flush(): Promise<void> {
    const positions = [...this.pending];
    this.pending.clear();
    this.batch = undefined;
    await this.store!.bulkWrite(
      positions.map(([principal, position]) => ({
        collection: SESSION_POSITIONS,
        updateOne: { filter: { _id: principal }, update: { $max: { position } }, upsert: true },
      })),
      { durable: false },
    );
  }
}
