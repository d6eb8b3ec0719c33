import type { Response } from 'express';
import { UnavailableError } from '../domain/shared/errors.js';

/**
 * The Server-Sent Events streams this process holds open. A stream never ends by itself,
 * so a stopping server would wait on them for ever: stop() ends them all first (a client
 * reconnects to another process and resumes with Last-Event-ID). Bounded, so that clients
 * holding streams cannot take every socket of the process.
 */
export class LiveStreams {
  private readonly open = new Set<Response>();
  private closing = false;

  constructor(private readonly max = 2_000) {}

  get size(): number {
    return this.open.size;
  }

  /** Takes a stream on, or refuses it (503 with Retry-After) when full or stopping; returns its release. */
  add(res: Response): () => void {
    if (this.closing) throw new UnavailableError('the server is stopping: reconnect', 1);
    if (this.open.size >= this.max) throw new UnavailableError(`this process holds ${this.max} live streams: reconnect later`, 5);
    this.open.add(res);
    return () => void this.open.delete(res);
  }

  /** Ends every stream (the server is stopping) and refuses new ones. */
  closeAll(): void {
    this.closing = true;
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
