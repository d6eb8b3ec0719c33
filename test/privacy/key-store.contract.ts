import { expect } from 'chai';
import type { KeyStore } from '../../src/privacy/key-store.js';

/**
 * What every key store keeps: one key per id however many create it at once, keys that
 * outlive the store that made them, and destruction for good (a tombstone, never a new key).
 */
export const keyStoreContract = (adapter: string, open: () => Promise<KeyStore>, dispose: () => Promise<void>) => {
  describe(`key store contract: ${adapter}`, () => {
    let first: KeyStore;
    let second: KeyStore;
    beforeEach(async () => {
      first = await open();
      second = await open();
    });
    afterEach(async () => {
      await first.close();
      await second.close();
      await dispose();
    });

    it('answers nothing for an id it never saw, without create', async () => {
      expect([...(await first.keys(['profile-nobody']))]).to.deep.equal([]);
    });

    it('creates a 32-byte key per id, the same one for every store on the same place', async () => {
      const made = await first.keys(['profile-a', 'invoice-a'], { create: true });
      const seen = await second.keys(['profile-a', 'invoice-a', 'profile-b']);
      const key = (states: Map<string, unknown>, id: string) => (states.get(id) as { key: Buffer }).key;
      expect(key(made, 'profile-a')).to.have.length(32);
      expect(key(seen, 'profile-a').equals(key(made, 'profile-a'))).to.equal(true);
      expect(key(made, 'invoice-a').equals(key(made, 'profile-a'))).to.equal(false);
      expect(seen.has('profile-b')).to.equal(false);
    });

    it('agrees on one key when several create the same id at once', async () => {
      const results = await Promise.all([...Array(8)].map((_, i) => (i % 2 ? first : second).keys(['profile-race'], { create: true })));
      const keys = results.map((states) => (states.get('profile-race') as { key: Buffer }).key.toString('hex'));
      expect(new Set(keys).size).to.equal(1);
    });

    it('destroys a key for good: a tombstone for every store, and create does not bring a key back', async () => {
      await first.keys(['profile-gone', 'profile-kept'], { create: true });
      await first.destroy('profile-gone', '2026-12-02T10:00:00.000Z');
      for (const store of [first, second]) {
        const states = await store.keys(['profile-gone', 'profile-kept'], { create: true });
        expect(states.get('profile-gone')).to.deep.equal({ destroyedAt: '2026-12-02T10:00:00.000Z' });
        expect(states.get('profile-kept')).to.have.property('key');
      }
    });

    it('answers a tombstone at once for a key it read before and another store destroyed, and the same keys for the rest', async () => {
      await first.keys(['profile-read', 'profile-other'], { create: true });
      const before = await second.keys(['profile-read', 'profile-other']);
      await second.keys(['profile-read']); // read twice: a store that keeps what it read has it now
      await first.destroy('profile-read', '2026-12-02T10:00:00.000Z');
      const after = await second.keys(['profile-read', 'profile-other']);
      expect(after.get('profile-read')).to.deep.equal({ destroyedAt: '2026-12-02T10:00:00.000Z' });
      const key = (states: Map<string, unknown>) => (states.get('profile-other') as { key: Buffer }).key;
      expect(key(after).equals(key(before))).to.equal(true);
      expect(key(before).equals(Buffer.alloc(32)), 'a key handed out earlier stays the caller\'s, whatever the store forgets').to.equal(false);
      // Destroyed by the store that read it: its own next read answers the tombstone too.
      await second.destroy('profile-other', '2026-12-02T11:00:00.000Z');
      expect((await second.keys(['profile-other'])).get('profile-other')).to.deep.equal({ destroyedAt: '2026-12-02T11:00:00.000Z' });
      expect(key(before).equals(Buffer.alloc(32))).to.equal(false);
    });

    it('counts destructions for every store on the same place: the count grows with each, never with a new key', async () => {
      const before = await second.destructions();
      await first.keys(['profile-counted'], { create: true });
      expect(await second.destructions(), 'a key made is no destruction').to.equal(before);
      await first.destroy('profile-counted', '2026-12-02T10:00:00.000Z');
      const after = await second.destructions();
      expect(after).to.be.greaterThan(before);
      expect(await first.destructions()).to.equal(after);
      await second.destroy('profile-other', '2026-12-02T10:00:00.000Z');
      expect(await first.destructions()).to.be.greaterThan(after);
    });

    it('destroys idempotently, keeping the first time, and tombstones an id it never had', async () => {
      await first.keys(['profile-twice'], { create: true });
      await first.destroy('profile-twice', '2026-12-02T10:00:00.000Z');
      await second.destroy('profile-twice', '2026-12-03T10:00:00.000Z');
      await second.destroy('profile-never', '2026-12-02T11:00:00.000Z');
      const states = await first.keys(['profile-twice', 'profile-never'], { create: true });
      expect(states.get('profile-twice')).to.deep.equal({ destroyedAt: '2026-12-02T10:00:00.000Z' });
      expect(states.get('profile-never')).to.deep.equal({ destroyedAt: '2026-12-02T11:00:00.000Z' });
    });
  });
};
