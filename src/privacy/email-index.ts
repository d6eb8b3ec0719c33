import { createHmac } from 'node:crypto';
import { legacyEmailClaimStream } from '../domain/customer/email-claim.js';
import { emailSpellings } from '../domain/customer/email-spellings.js';
import type { KeyStore } from './key-store.js';

/**
 * Where an email address's claim lives without the address in the stream's name: a
 * keyed hash (HMAC-SHA-256) of the normalized address, under a key of the key store
 * (`index-email`, never destroyed). A stream name is kept by the log for good, and the key
 * stays out of the log: the name alone tells nothing, and once a customer is erased and
 * their claim released, nothing in the log ties the name to them.
 */
export interface EmailIndex {
  claimStreamOf(normalizedEmail: string): Promise<string>;
}

/**
 * Every stream a claim of the address may be in, in the order a lookup tries them: under each of
 * its spellings (`emailSpellings`), the index's stream, then the one logs written before the index
 * named by the address itself. A new claim goes to the index's stream of `emailKey`.
 */
export const claimStreamsOf = async (index: EmailIndex, normalizedEmail: string): Promise<string[]> => {
  const streams: string[] = [];
  for (const spelling of emailSpellings(normalizedEmail)) streams.push(await index.claimStreamOf(spelling), legacyEmailClaimStream(spelling));
  return streams;
};

export const EMAIL_INDEX_KEY = 'index-email';

export class KeyedEmailIndex implements EmailIndex {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly keys: KeyStore) {}

  async claimStreamOf(normalizedEmail: string): Promise<string> {
    const key = await (this.key ??= this.loadKey());
    return `customeremail-${createHmac('sha256', key).update(normalizedEmail, 'utf8').digest('base64url')}`;
  }

  private async loadKey(): Promise<Buffer> {
    try {
      const state = (await this.keys.keys([EMAIL_INDEX_KEY], { create: true })).get(EMAIL_INDEX_KEY);
      if (!state || !('key' in state)) throw new Error(`the key store has no ${EMAIL_INDEX_KEY} key (it is never destroyed)`);
      return state.key;
    } catch (error) {
      this.key = undefined;
      throw error;
    }
  }
}
