import { randomBytes } from 'node:crypto';
import type { KeyState, KeyStore } from '../../privacy/key-store.js';

/**
 * A key store in this process's memory: for tests, and the composition root's stand-in until
 * the key store of DATA_DIR (SqliteKeyStore, keys.db) and of MongoDB are wired in. Its keys
 * are gone at a restart, so it must never back personal data that is really sealed.
 */
export class MemoryKeyStore implements KeyStore {
  private readonly states = new Map<string, KeyState>();

  async keys(ids: readonly string[], options: { create?: boolean } = {}): Promise<Map<string, KeyState>> {
    const found = new Map<string, KeyState>();
    for (const id of ids) {
      let state = this.states.get(id);
      if (!state && options.create) this.states.set(id, (state = { key: randomBytes(32) }));
      if (state) found.set(id, state);
    }
    return found;
  }

  async destroy(id: string, at: string): Promise<void> {
    const state = this.states.get(id);
    if (state && 'destroyedAt' in state) return;
    if (state && 'key' in state) state.key.fill(0);
    this.states.set(id, { destroyedAt: at });
  }

  async close(): Promise<void> {}
}
