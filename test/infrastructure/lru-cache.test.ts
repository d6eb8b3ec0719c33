import { expect } from 'chai';
import { LruCache } from '../../src/infrastructure/lru-cache.js';

describe('LruCache (bounded, least recently used out first)', () => {
  const filled = (capacity: number, count: number, prefix = 'k') => {
    const cache = new LruCache<string, number>(capacity);
    for (let i = 0; i < count; i += 1) cache.set(`${prefix}${i}`, i);
    return cache;
  };
  const held = (cache: LruCache<string, number>, keys: string[]) => keys.filter((key) => cache.get(key) !== undefined).length;
  const keys = (count: number, prefix = 'k') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

  it('answers what was set, the last value set, and nothing for a key deleted or never set', () => {
    const cache = new LruCache<string, number>(10);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.delete('b');
    expect(cache.get('a')).to.equal(3);
    expect(cache.get('b')).to.equal(undefined);
    expect(cache.get('c')).to.equal(undefined);
  });

  it('never holds more than its capacity, and keeps at least half of it: the newest', () => {
    const cache = filled(100, 1_000);
    const present = keys(1_000).filter((key) => cache.get(key) !== undefined);
    expect(present.length).to.be.at.most(100);
    expect(present.length).to.be.at.least(50);
    // Those kept are the newest ones.
    expect(present.every((key) => Number(key.slice(1)) >= 900)).to.equal(true);
  });

  it('keeps an entry that is read, however many others come and go', () => {
    const cache = new LruCache<string, number>(100);
    cache.set('hot', 1);
    for (let i = 0; i < 10_000; i += 1) {
      cache.set(`cold${i}`, i);
      if (i % 40 === 0) expect(cache.get('hot'), `after ${i} others`).to.equal(1);
    }
    // An entry nobody reads is gone once capacity others came.
    expect(cache.get('cold0')).to.equal(undefined);
  });

  it('keeps an entry for at least half its capacity of writes after its last use', () => {
    const cache = filled(100, 37);
    cache.get('k5');
    for (let i = 0; i < 49; i += 1) cache.set(`new${i}`, i);
    expect(cache.get('k5')).to.equal(5);
  });

  it('forgets everything at clear, and takes new entries after it', () => {
    const cache = filled(100, 80);
    cache.clear();
    expect(held(cache, keys(80))).to.equal(0);
    cache.set('k1', 7);
    expect(cache.get('k1')).to.equal(7);
  });

  it('holds one entry at a capacity of one: each new key takes the place', () => {
    const cache = new LruCache<string, number>(1);
    cache.set('a', 1);
    expect(cache.get('a')).to.equal(1);
    cache.set('b', 2);
    expect(cache.get('a')).to.equal(undefined);
    expect(cache.get('b')).to.equal(2);
  });
});
