import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are hashed with scrypt (memory-hard, in Node's crypto: no native add-on to
 * build). The parameters travel with each hash, so raising the cost later keeps old
 * hashes verifiable. Hashing runs on libuv's thread pool, off the event loop.
 */
export class PasswordHasher {
  private readonly dummy: Promise<string>;

  /** @param cost log2 of scrypt's N (15 → N = 32768, about 32 MiB and tens of ms per hash). */
  constructor(private readonly cost = 15) {
    this.dummy = this.hash(randomBytes(16).toString('hex'));
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const params = { N: 2 ** this.cost, r: 8, p: 1 };
    const key = await derive(password, salt, params);
    return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const [scheme, N, r, p, salt, key] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64');
    const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p) }, expected.length);
    return timingSafeEqual(actual, expected);
  }

  /** Spends the time of a real verification, so that an unknown account answers as slowly as a known one. */
  async verifyNothing(password: string): Promise<false> {
    await this.verify(password, await this.dummy);
    return false;
  }
}

const derive = (password: string, salt: Buffer, params: { N: number; r: number; p: number }, length = 32): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
    scrypt(password.normalize('NFKC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
