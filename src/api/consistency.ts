import type { RequestHandler, Response } from 'express';
import { LruCache } from '../infrastructure/lru-cache.js';
import { ValidationError } from '../domain/shared/errors.js';

/**
 * Read-your-writes over eventually consistent read models. Every write answers with
 * `X-Position` (the log position of its last event); a read waits (up to a bound) until
 * the read models have processed the position its caller last wrote, or the one it names
 * in `X-Min-Position`. So a client never reads a state older than its own writes, while
 * anonymous traffic never waits.
 */

export type PositionWaiter = { waitFor(position: number, timeoutMs: number): Promise<boolean> };

export class SessionPositions {
  private readonly latest = new LruCache<string, number>(100_000);

  constructor(
    private readonly projections: PositionWaiter,
    private readonly waitMs: number,
  ) {}

  /** Records a write's position for its principal and tells the client. */
  wrote(res: Response, position: number | undefined): void {
    if (position === undefined) return;
    res.set('X-Position', String(position));
    const principal = res.req.principal?.customerId;
    if (principal) this.latest.set(principal, Math.max(position, this.latest.get(principal) ?? 0));
  }

  middleware(): RequestHandler {
    return async (req, _res, next) => {
      if (req.method !== 'GET') return next();
      const header = req.get('x-min-position');
      if (header !== undefined && !/^\d{1,16}$/.test(header)) {
        throw new ValidationError('invalid X-Min-Position', [{ field: 'X-Min-Position', message: 'must be a log position' }]);
      }
      const own = req.principal ? (this.latest.get(req.principal.customerId) ?? 0) : 0;
      const target = Math.max(own, header === undefined ? 0 : Number(header));
      if (target > 0) await this.projections.waitFor(target, this.waitMs);
      next();
    };
  }
}
