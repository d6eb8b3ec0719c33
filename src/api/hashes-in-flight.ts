import { TooManyRequestsError } from '../domain/shared/errors.js';
import { addressKey } from './client-address.js';

/**
 * Requests hashing a password (a sign-in, a registration, a password change or reset, an
 * erasure) one client address has under way on this process at once. Each hash is tens of
 * milliseconds of a core on libuv's thread pool (4 threads), and the pool serves them in turn:
 * one address holding 16 accounts, each signing in again and again with its right password
 * (which CREDENTIAL_ATTEMPTS_PER_MINUTE gives back), had taken everyone else's sign-in from
 * 95 ms to 1.3 s. Past its share an address is refused at once (429), before any count or hash,
 * so the pool never queues more than that share of its hashes ahead of anyone else's.
 *
 * Counted in this process's memory: the pool it protects is this process's own, and a slot is
 * held for a fraction of a second. Many customers behind one address (an office, a carrier's
 * NAT) are refused only when more of them than the share sign in within the same hash.
 */
export class HashesInFlight {
  private readonly held = new Map<string, number>();

  /** `perAddress` 0 turns the limit off. */
  constructor(private readonly perAddress: number) {}

  /** Runs `work` in one of the address's slots, or throws 429 with Retry-After when it has none left. */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    const release = this.take(address);
    try {
      return await work();
    } finally {
      release();
    }
  }

  private take(address: string): () => void {
    if (this.perAddress === 0) return () => undefined;
    const key = addressKey(address);
    const held = this.held.get(key) ?? 0;
    if (held >= this.perAddress) {
      throw new TooManyRequestsError(`this address has ${this.perAddress} password checks under way on this server: try again in a moment`, 1);
    }
    this.held.set(key, held + 1);
    return () => {
      const left = (this.held.get(key) ?? 1) - 1;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    };
  }
}
