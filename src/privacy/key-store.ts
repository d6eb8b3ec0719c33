/**
 * The key store: the data keys that personal fields in the log are encrypted with, kept
 * apart from the log so that destroying a key erases every value sealed with it
 * (crypto-shredding) while the log itself stays append-only.
 *
 * One key per customer and purpose (`keyIds`):
 * - `profile-<customerId>`: the account, its addresses and payment methods, review author
 *   names, notifications. Destroyed when the customer is erased.
 * - `invoice-<customerId>`: the name and address on the customer's orders and shipments.
 *   Kept after an erasure until the invoices' retention ends (INVOICE_RETENTION_DAYS).
 *
 * A destroyed key leaves a tombstone (its id and when), never its bytes, so that a later
 * append cannot silently create a fresh key for a customer who was erased.
 * Adapters: `SqliteKeyStore` (its own file, `keys.db`, in DATA_DIR) and `MongoKeyStore`
 * (a collection of the read models' database). The port is small enough for a KMS later.
 */

export type KeyPurpose = 'profile' | 'invoice';

export const KEY_PURPOSES: readonly KeyPurpose[] = ['profile', 'invoice'];

export const keyIds = {
  profile: (customerId: string) => `profile-${customerId}`,
  invoice: (customerId: string) => `invoice-${customerId}`,
  of: (purpose: KeyPurpose, customerId: string) => `${purpose}-${customerId}`,
} as const;

/** 32 random bytes: an AES-256 key. */
export type DataKey = Buffer;

/** What the store holds for an id: a key, or a tombstone (the key was destroyed), or nothing (`undefined` in the map). */
export type KeyState = { key: DataKey } | { destroyedAt: string };

export interface KeyStore {
  /**
   * The states of these ids. With `create`, every id that has neither key nor tombstone
   * gets a new random key first; concurrent creators (other processes included) agree on
   * one key per id.
   */
  keys(ids: readonly string[], options?: { create?: boolean }): Promise<Map<string, KeyState>>;
  /**
   * Destroys the key for good and leaves a tombstone; idempotent (a destroyed or unknown id
   * becomes, or stays, a tombstone). The key's bytes are gone from the store's files when it resolves:
   * from the file on SQLite; on MongoDB from the collection, while the replica set's oplog keeps
   * each key's insert until it rolls over (README, Limits).
   */
  destroy(id: string, at: string): Promise<void>;
  /**
   * How many destructions the store has recorded, by any process: a number that only grows,
   * by at least one once a destroy() resolves. Whoever keeps values opened with keys (the
   * command handler's folded states) compares it to know that what it holds may be stale.
   */
  destructions(): Promise<number>;
  close(): Promise<void>;
}

/** Thrown when a personal value is to be sealed with a key that was destroyed (the customer was erased). */
export class KeyDestroyedError extends Error {
  constructor(readonly keyId: string) {
    super(`the key ${keyId} was destroyed: its customer was erased`);
    this.name = 'KeyDestroyedError';
  }
}
