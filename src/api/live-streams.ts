import type { Response } from 'express';
import { TooManyRequestsError, UnavailableError } from '../domain/shared/errors.js';

/**
 * The Server-Sent Events streams this process holds open. A stream never ends by itself,
 * so a stopping server would wait on them for ever: stop() ends them all first (a client
 * reconnects to another process and resumes with Last-Event-ID). Bounded, so that clients
 * holding streams cannot take every socket of the process, and for each account, so that one
 * account (they are free to make) cannot take every stream of the process from the others.
 */
export class LiveStreams {
  private readonly open = new Set<Response>();
  private readonly byOwner = new Map<string, number>();
  private closing = false;

  constructor(
    private readonly max = 2_000,
    private readonly maxPerOwner = MAX_STREAMS_PER_ACCOUNT,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Takes a stream of `owner` (an account) on, or refuses it: 503 with Retry-After when full or
   * stopping, 429 when the owner holds its share already. Returns its release (once is enough).
   */
  add(res: Response, owner: string): () => void {
    if (this.closing) throw new UnavailableError('the server is stopping: reconnect', 1);
    const held = this.byOwner.get(owner) ?? 0;
    if (held >= this.maxPerOwner) {
      throw new TooManyRequestsError(`this account holds ${this.maxPerOwner} live streams on this server: close one first`, 5);
    }
    if (this.open.size >= this.max) throw new UnavailableError(`this process holds ${this.max} live streams: reconnect later`, 5);
    this.open.add(res);
    this.byOwner.set(owner, held + 1);
    return () => {
      if (!this.open.delete(res)) return;
      const left = (this.byOwner.get(owner) ?? 1) - 1;
      if (left > 0) this.byOwner.set(owner, left);
      else this.byOwner.delete(owner);
    };
  }

  /** Ends every stream (the server is stopping) and refuses new ones. */
  closeAll(): void {
    this.closing = true;
    for (const res of this.open) res.end();
    this.open.clear();
    this.byOwner.clear();
  }
}

/** Live streams one account may hold open on one process: a page per order, in a few tabs, is far fewer. */
export const MAX_STREAMS_PER_ACCOUNT = 20;
