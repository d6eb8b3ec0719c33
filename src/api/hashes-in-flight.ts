import { TooManyRequestsError } from '../domain/shared/errors.js';
import { addressKey } from './client-address.js';

/** Requests of one address that wait for one of its slots at most; past them, 429. */
export const PASSWORD_CHECKS_WAITING = 30;

type Address = { running: number; waiting: Array<() => void> };

/**
 * Requests hashing a password (a sign-in, a registration, a password change or reset, an
 * erasure) one client address has under way on this process at once. Each hash is tens of
 * milliseconds of a core on libuv's thread pool (4 threads), and the pool serves them in turn:
 * one address holding 16 accounts, each signing in again and again with its right password
 * (which CREDENTIAL_ATTEMPTS_PER_MINUTE gives back), had taken everyone else's sign-in from
 * 95 ms to 1.3 s. Here an address's requests beyond its share wait for one of its own slots,
 * in the order they came, so that the pool never holds more than that share of its hashes
 * ahead of anyone else's; a burst of sign-ins from one office, or a test registering accounts
 * side by side, is served a share at a time rather than refused. Past PASSWORD_CHECKS_WAITING
 * waiting, 429 at once, before any count or hash.
 *
 * Counted in this process's memory: the pool it protects is this process's own, and a slot is
 * held for a fraction of a second.
 */
export class HashesInFlight {
  private readonly addresses = new Map<string, Address>();

  /** `perAddress` 0 turns the limit off. */
  constructor(
    private readonly perAddress: number,
    private readonly waitingPerAddress = PASSWORD_CHECKS_WAITING,
  ) {}

  /** Requests of `address` waiting for one of its slots (its requests under way beyond its share). */
  waitingOf(address: string): number {
    return this.addresses.get(addressKey(address))?.waiting.length ?? 0;
  }

  /** Runs `work` in one of the address's slots, once one is free; throws 429 with Retry-After when too many wait already. */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    if (this.perAddress === 0) return work();
    const key = addressKey(address);
    await this.take(key);
    try {
      return await work();
    } finally {
      this.release(key);
    }
  }

  private take(key: string): Promise<void> | void {
    const address = this.addresses.get(key) ?? { running: 0, waiting: [] };
    this.addresses.set(key, address);
    if (address.running < this.perAddress) {
      address.running += 1;
      return;
    }
    if (address.waiting.length >= this.waitingPerAddress) {
      throw new TooManyRequestsError(`this address has ${this.perAddress} password checks under way on this server and ${address.waiting.length} waiting: try again in a moment`, 1);
    }
    // The slot is handed over as it is given back (release): running stays as it is.
    return new Promise<void>((resolve) => address.waiting.push(resolve));
  }

  private release(key: string): void {
    const address = this.addresses.get(key);
    if (!address) return;
    const next = address.waiting.shift();
    if (next) return next();
    address.running -= 1;
    if (address.running === 0) this.addresses.delete(key);
  }
}
