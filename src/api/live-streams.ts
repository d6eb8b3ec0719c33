import type { Response } from 'express';
import { TooManyRequestsError, UnavailableError } from '../domain/shared/errors.js';
import { addressKey } from './client-address.js';

/**
 * The Server-Sent Events streams this process holds open. A stream never ends by itself,
 * so a stopping server would wait on them for ever: stop() ends them all first (a client
 * reconnects to another process and resumes with Last-Event-ID). Bounded, so that clients
 * holding streams cannot take every socket of the process; for each account, so that one
 * account cannot take every stream from the others; and for each client address, since
 * accounts are free to make (100 of them, 20 streams each, had taken all 2,000 of a process).
 */
export class LiveStreams {
  private readonly open = new Set<Response>();
  private readonly byOwner = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();
  private closing = false;

  constructor(
    private readonly max = MAX_STREAMS,
    private readonly maxPerOwner = MAX_STREAMS_PER_ACCOUNT,
    private readonly maxPerAddress = MAX_STREAMS_PER_ADDRESS,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Takes a stream of `owner` (an account) from `address` (the client's, as addressOf gives it)
   * on, or refuses it: 503 with Retry-After when full or stopping, 429 when the owner or the
   * address holds its share already. Returns its release (once is enough).
   */
  add(res: Response, owner: string, address: string): () => void {
    if (this.closing) throw new UnavailableError('the server is stopping: reconnect', 1);
    const client = addressKey(address);
    if ((this.byOwner.get(owner) ?? 0) >= this.maxPerOwner) {
      throw new TooManyRequestsError(`this account holds ${this.maxPerOwner} live streams on this server: close one first`, 5);
    }
    if ((this.byAddress.get(client) ?? 0) >= this.maxPerAddress) {
      throw new TooManyRequestsError(`this address holds ${this.maxPerAddress} live streams on this server: close one first`, 5);
    }
    if (this.open.size >= this.max) throw new UnavailableError(`this process holds ${this.max} live streams: reconnect later`, 5);
    this.open.add(res);
    count(this.byOwner, owner, 1);
    count(this.byAddress, client, 1);
    return () => {
      if (!this.open.delete(res)) return;
      count(this.byOwner, owner, -1);
      count(this.byAddress, client, -1);
    };
  }

  /** Ends every stream (the server is stopping) and refuses new ones. */
  closeAll(): void {
    this.closing = true;
    for (const res of this.open) res.end();
    this.open.clear();
    this.byOwner.clear();
    this.byAddress.clear();
  }
}

const count = (counts: Map<string, number>, key: string, by: 1 | -1): void => {
  const now = (counts.get(key) ?? 0) + by;
  if (now > 0) counts.set(key, now);
  else counts.delete(key);
};

/** Live streams one process holds: each costs a socket (a descriptor: mind the process's `ulimit -n`) and about 14 KB (10,000 from 100 addresses took 142 MB). */
export const MAX_STREAMS = 10_000;
/** Live streams one account may hold open on one process: a page per order, in a few tabs, is far fewer. */
export const MAX_STREAMS_PER_ACCOUNT = 20;
/**
 * Live streams one client address (an IPv6 client: its /64) may hold open on one process: the
 * pages of many customers behind one NAT, while 100 addresses are needed to take a process's all.
 */
export const MAX_STREAMS_PER_ADDRESS = 100;
