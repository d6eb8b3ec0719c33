import { expect } from 'chai';
import { bucketDelete, bucketEntries, bucketGet, bucketSet, bucketSize, emptyBuckets, type Buckets } from '../../src/domain/shared/buckets.js';

describe('Buckets (an immutable map as plain JSON)', () => {
  const many = (count: number) => Array.from({ length: count }, (_, i) => `order-${i}`).reduce((b, key, i) => bucketSet(b, key, i), emptyBuckets<number>());

  it('gets what was set, and nothing else', () => {
    const buckets = bucketSet(bucketSet(emptyBuckets<number>(), 'a', 1), 'b', 2);
    expect(bucketGet(buckets, 'a')).to.equal(1);
    expect(bucketGet(buckets, 'b')).to.equal(2);
    expect(bucketGet(buckets, 'c')).to.equal(undefined);
    expect(bucketGet(buckets, 'toString')).to.equal(undefined);
  });

  it('replaces a value set again', () => {
    expect(bucketGet(bucketSet(bucketSet(emptyBuckets<number>(), 'a', 1), 'a', 5), 'a')).to.equal(5);
  });

  it('never changes the map it was given', () => {
    const before = many(100);
    const copy = JSON.parse(JSON.stringify(before)) as Buckets<number>;
    bucketSet(before, 'order-1', 99);
    bucketSet(before, 'new', 1);
    bucketDelete(before, 'order-2');
    expect(before).to.deep.equal(copy);
  });

  it('deletes, leaving no empty bucket behind', () => {
    const one = bucketSet(emptyBuckets<number>(), 'a', 1);
    expect(bucketDelete(one, 'a')).to.deep.equal({});
    expect(bucketDelete(one, 'missing')).to.equal(one);
    const hundred = [...Array(100).keys()].reduce((b, i) => bucketDelete(b, `order-${i}`), many(100));
    expect(hundred).to.deep.equal({});
  });

  it('spreads many keys over at most 64 buckets, sharing the untouched ones', () => {
    const before = many(10_000);
    expect(Object.keys(before).length).to.be.at.most(64).and.at.least(60);
    expect(bucketSize(before)).to.equal(10_000);
    expect(bucketEntries(before)).to.have.length(10_000);
    const after = bucketSet(before, 'order-new', 1);
    expect(Object.keys(after).filter((b) => after[b] !== before[b])).to.have.length(1);
  });

  it('reads the same after a JSON round trip (snapshots)', () => {
    const revived = JSON.parse(JSON.stringify(many(500))) as Buckets<number>;
    expect(bucketGet(revived, 'order-321')).to.equal(321);
    expect(bucketGet(bucketDelete(revived, 'order-321'), 'order-321')).to.equal(undefined);
  });
});
