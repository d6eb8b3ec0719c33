import { expect } from 'chai';
import { Aggregator } from 'mingo';
import { QUERY_OPTIONS } from '../../src/infrastructure/read-models/document-filter.js';
import { runNative } from '../../src/infrastructure/read-models/native-aggregate.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';
import { seeded } from '../support/seeded-random.js';
import { DOCS, viaMingo } from './native-fixture.js';

/**
 * The embedded store's native aggregation stages must answer exactly what mingo (MongoDB's
 * semantics) answers: each case runs both over the same documents (native-fixture.ts). The
 * filters: native-filter.test.ts.
 */

describe('native aggregation (embedded store)', () => {
  describe('pipelines give what mingo gives', () => {
    const pipelines: Record<string, Record<string, unknown>[]> = {
      'sort on two keys with missing and null values, then skip and limit': [
        { $sort: { brand: 1, 'price.amount': -1, _id: 1 } },
        { $skip: 5 },
        { $limit: 20 },
      ],
      'sort on a field of mixed types (numbers before strings)': [{ $sort: { created: -1, _id: 1 } }, { $limit: 15 }],
      'a large page of a sort': [{ $sort: { stock: 1, _id: 1 } }, { $skip: 100 }, { $limit: 150 }],
      'match, count': [{ $match: { stock: { $gt: 0 } } }, { $count: 'n' }],
      'group with $sum and $first, sorted': [
        { $group: { _id: '$brand', name: { $first: '$brand' }, count: { $sum: 1 }, stock: { $sum: '$stock' } } },
        { $sort: { count: -1, _id: 1 } },
      ],
      'relevance score with $add and $ifNull, sorted': [
        { $match: { tags: 'red' } },
        { $addFields: { score: { $add: [{ $ifNull: ['$rank.t_red', 1] }, { $ifNull: ['$rank.t_blue', 1] }] } } },
        { $sort: { score: -1, _id: 1 } },
        { $skip: 3 },
        { $limit: 10 },
      ],
      'group with $min of strings (missing and null left out) and of numbers and strings mixed': [
        { $group: { _id: '$brand', name: { $min: '$brand' }, low: { $min: '$stock' }, created: { $min: '$created' }, count: { $sum: 1 } } },
        { $sort: { count: -1, _id: 1 } },
      ],
      'project fields, dotted paths (through missing fields and scalars) and a computed score': [
        { $project: { brand: 1, 'price.amount': 1, 'rank.t_red': 1, 'stock.x': 1, tags: 1, score: { $add: [{ $ifNull: ['$rank.t_red', 1] }, 2] } } },
      ],
      'project without _id, then sort on what it kept': [{ $project: { _id: 0, created: 1, stock: 1 } }, { $sort: { stock: 1, created: 1 } }, { $limit: 30 }],
      'project before a facet: groups and pages of ids read what it kept, rows handed out as they are get projected': [
        { $match: { 'price.amount': { $gte: 10 } } },
        { $project: { brand: 1, stock: 1, 'price.amount': 1, tags: 1 } },
        {
          $facet: {
            total: [{ $count: 'n' }],
            brand: [{ $group: { _id: '$brand', name: { $min: '$brand' }, count: { $sum: 1 } } }, { $sort: { count: -1, _id: 1 } }],
            ids: [{ $sort: { 'price.amount': 1, _id: 1 } }, { $limit: 8 }, { $match: { tags: { $nin: ['red'] } } }, { $skip: 1 }, { $limit: 4 }, { $project: { _id: 1 } }],
            rows: [{ $sort: { stock: -1, _id: 1 } }, { $limit: 5 }],
            more: [{ $group: { _id: '$created', count: { $sum: 1 } } }, { $sort: { _id: 1 } }],
          },
        },
      ],
      'project before a facet whose sub-pipelines add fields: a score from what it kept, a field from what it dropped': [
        { $project: { 'rank.t_red': 1, 'rank.t_blue': 1, created: 1, brand: 1 } },
        {
          $facet: {
            ranked: [
              { $addFields: { score: { $add: [{ $ifNull: ['$rank.t_red', 1] }, { $ifNull: ['$rank.t_blue', 1] }] } } },
              { $sort: { score: -1, created: -1, _id: 1 } },
              { $skip: 4 },
              { $limit: 6 },
              { $project: { score: 1 } },
            ],
            dropped: [{ $addFields: { amount: '$price.amount' } }, { $group: { _id: '$amount', count: { $sum: 1 } } }],
            spellings: [
              { $group: { _id: '$brand', key: { $first: '$brand' }, count: { $sum: 1 } } },
              { $group: { _id: '$key', name: { $min: '$_id' }, count: { $sum: '$count' } } },
              { $sort: { count: -1, _id: 1 } },
            ],
          },
        },
      ],
      'unwind an array field (a value that is no array stays as it is), then group': [
        { $unwind: '$tags' },
        { $group: { _id: '$tags', count: { $sum: 1 } } },
        { $sort: { count: -1, _id: 1 } },
      ],
      'bought together: match, the newest, unwind, leave the basis out, count': [
        { $match: { tags: { $in: ['red', 'small'] } } },
        { $sort: { created: -1, _id: 1 } },
        { $limit: 100 },
        { $unwind: '$tags' },
        { $match: { tags: { $nin: ['red', 'small'] } } },
        { $group: { _id: '$tags', score: { $sum: 1 } } },
        { $sort: { score: -1, _id: 1 } },
      ],
      'a facet of items, total and groups': [
        { $match: { 'price.amount': { $gte: 10 } } },
        {
          $facet: {
            items: [{ $sort: { 'price.amount': 1, _id: 1 } }, { $limit: 5 }],
            total: [{ $count: 'n' }],
            brand: [{ $group: { _id: '$brand', count: { $sum: 1 } } }, { $sort: { count: -1, _id: 1 } }, { $limit: 2 }],
          },
        },
      ],
    };
    for (const [name, pipeline] of Object.entries(pipelines)) {
      it(name, () => {
        const native = runNative(DOCS, pipeline);
        expect(native, 'runs natively').not.to.equal(undefined);
        expect(native).to.deep.equal(viaMingo(pipeline));
      });
    }

    it('keeps the top rows of strings in code-point order, as sorting them all does, surrogates and units from U+E000 on included', () => {
      // JavaScript orders '\uE000' before '😀' (U+D83D first); MongoDB after (U+1F600 is the larger code point).
      const next = seeded(7);
      const units = ['a', 'b', 'é', '\uE000', '\uFFFD', '😀', '𝒜'];
      const docs: Document[] = Array.from({ length: 400 }, (_, i) => ({
        _id: `s${String(i).padStart(3, '0')}`,
        name: Array.from({ length: 1 + Math.floor(next() * 3) }, () => units[Math.floor(next() * units.length)]).join(''),
      }));
      for (const direction of [1, -1]) {
        const all = runNative(docs, [{ $sort: { name: direction, _id: 1 } }])!;
        const top = runNative(docs, [{ $sort: { name: direction, _id: 1 } }, { $skip: 3 }, { $limit: 20 }]);
        const faceted = runNative(docs, [{ $facet: { page: [{ $sort: { name: direction, _id: 1 } }, { $skip: 3 }, { $limit: 20 }] } }]);
        expect(top, `direction ${direction}`).to.deep.equal(all.slice(3, 23));
        expect(faceted).to.deep.equal([{ page: all.slice(3, 23) }]);
      }
      const names = runNative(docs, [{ $sort: { name: 1, _id: 1 } }])!.map((doc) => doc.name as string);
      expect(names.indexOf('\uFFFD'), 'U+FFFD before an emoji, as MongoDB orders them').to.be.lessThan(names.indexOf('😀'));
    });

    it('selects a deep page as the whole sort orders it: every window of every sort (numbers, strings, emoji, mixed types, ties), without sorting the whole', () => {
      // Past the first thousand rows a page is selected (quickselect), not sorted: each window is checked against mingo's whole sort.
      const next = seeded(11);
      const units = ['a', 'b', '\uE000', '😀'];
      const docs: Document[] = Array.from({ length: 1500 }, (_, i) => ({
        _id: `r${String(i).padStart(4, '0')}`,
        rating: Math.floor(next() * 4), // many ties
        count: next() < 0.1 ? null : Math.floor(next() * 3),
        created: `2024-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 10)}`,
        name: Array.from({ length: 1 + Math.floor(next() * 2) }, () => units[Math.floor(next() * units.length)]).join(''),
        mixed: [0, 'x', null, true, 2.5, 'a'][Math.floor(next() * 6)],
      }));
      const sorts: Array<Record<string, number>> = [
        { rating: -1, count: -1, created: -1, _id: 1 },
        { created: 1 },
        { name: -1, rating: 1 },
        { mixed: 1, _id: -1 },
        { rating: 1 },
      ];
      for (const sort of sorts) {
        // The whole sort, as mingo sorts, but for strings beyond U+D7FF (mingo orders UTF-16 units; MongoDB, and the whole sort here, code points).
        const whole = runNative(docs, [{ $sort: sort }])!;
        if (!('name' in sort)) expect(whole).to.deep.equal(new Aggregator([{ $sort: sort }], QUERY_OPTIONS).run(docs.map((d) => structuredClone(d))));
        for (const [skip, limit] of [[1000, 20], [1200, 101], [0, 1300], [1490, 20], [1499, 5], [1100, 400], [1600, 10]] as const) {
          const page = runNative(docs, [{ $sort: sort }, { $skip: skip }, { $limit: limit }]);
          expect(page, `${JSON.stringify(sort)} ${skip}+${limit}`).to.deep.equal(whole.slice(skip, skip + limit));
        }
      }
    });

    it('answers a facet in the order of its spec, its sub-pipelines fed one row at a time or run whole', () => {
      const pipeline = [
        { $project: { brand: 1, stock: 1, created: 1 } },
        {
          $facet: {
            rows: [{ $sort: { stock: 1, _id: 1 } }, { $limit: 200 }],
            total: [{ $count: 'n' }],
            dropped: [{ $group: { _id: '$price.amount', count: { $sum: 1 } } }, { $sort: { _id: 1 } }],
            page: [{ $sort: { created: -1, _id: 1 } }, { $skip: 2 }, { $limit: 3 }],
            brands: [{ $group: { _id: '$brand', count: { $sum: 1 } } }, { $sort: { _id: 1 } }],
          },
        },
      ];
      const [native] = runNative(DOCS, pipeline)!;
      expect(Object.keys(native!)).to.deep.equal(['rows', 'total', 'dropped', 'page', 'brands']);
      expect([native]).to.deep.equal(viaMingo(pipeline));
    });

    it('leaves a facet to mingo when a sub-pipeline fed one row at a time meets a value outside its subset', () => {
      const docs: Document[] = [...DOCS, { _id: 'zz', created: ['2024-02-01'] }];
      expect(runNative(docs, [{ $facet: { total: [{ $count: 'n' }], page: [{ $sort: { created: -1 } }, { $limit: 3 }] } }])).to.equal(undefined);
      expect(runNative(docs, [{ $facet: { total: [{ $count: 'n' }], byTags: [{ $group: { _id: '$tags', n: { $sum: 1 } } }] } }])).to.equal(undefined);
    });

    it('keeps the same top rows whatever order the rows arrive in (sorted either way, or not)', () => {
      const pipeline = [{ $sort: { created: -1, _id: 1 } }, { $skip: 2 }, { $limit: 12 }];
      const byCreated = [...DOCS].sort((a, b) => String(a.created).localeCompare(String(b.created)));
      for (const docs of [DOCS, byCreated, [...byCreated].reverse()]) {
        const expected = new Aggregator(pipeline, QUERY_OPTIONS).run(docs.map((d) => structuredClone(d)));
        expect(runNative(docs, pipeline)).to.deep.equal(expected);
      }
    });

    it('keeps the same top rows and firsts when a page is taken backwards in a facet (rows arriving against the sort, ties among them)', () => {
      // Oldest first, sorted newest first: the page's pass goes from the end (TopRows.addAll); ties on `created` go by arrival all the same.
      const byCreated = [...DOCS].filter((d) => typeof d.created === 'string').sort((a, b) => String(a.created).localeCompare(String(b.created)));
      const pipeline = [
        {
          $facet: {
            page: [{ $sort: { created: -1 } }, { $skip: 3 }, { $limit: 10 }],
            byId: [{ $sort: { created: -1, _id: -1 } }, { $limit: 7 }],
            firsts: [{ $group: { _id: '$brand', first: { $first: '$_id' }, n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
            total: [{ $count: 'n' }],
          },
        },
      ];
      for (const docs of [byCreated, [...byCreated].reverse()]) {
        const expected = new Aggregator(pipeline, QUERY_OPTIONS).run(docs.map((d) => structuredClone(d)));
        expect(runNative(docs, pipeline)).to.deep.equal(expected);
        const plain = [{ $sort: { created: -1 } }, { $skip: 1 }, { $limit: 9 }];
        expect(runNative(docs, plain)).to.deep.equal(new Aggregator(plain, QUERY_OPTIONS).run(docs.map((d) => structuredClone(d))));
      }
    });

    it("reads only a document's own fields, never its prototype's (constructor, toString)", () => {
      const docs: Document[] = [{ _id: 'a', constructor: 'x' }, { _id: 'b' }, { _id: 'c', nested: { toString: 2 } }, { _id: 'd', nested: {} }];
      const pipelines = [
        [{ $sort: { constructor: -1, _id: 1 } }, { $limit: 3 }],
        [{ $group: { _id: '$toString', n: { $sum: 1 }, first: { $first: '$constructor' } } }],
        [{ $sort: { 'nested.toString': -1, _id: 1 } }],
      ];
      for (const pipeline of pipelines) {
        const expected = new Aggregator(pipeline, QUERY_OPTIONS).run(docs.map((d) => structuredClone(d)));
        expect(runNative(docs, pipeline), JSON.stringify(pipeline)).to.deep.equal(expected);
      }
    });

    it('unwinds like MongoDB: no row for a missing field, null or an empty array; a null element is a row; the field keeps its place', () => {
      const docs: Document[] = [
        { _id: 'a', tags: ['x', null, 'y'], n: 1 },
        { _id: 'b', tags: [] },
        { _id: 'c', tags: null },
        { _id: 'd' },
        { _id: 'e', tags: 'solo' },
        { _id: 'f', tags: [{ k: 1 }, ['nested']] },
      ];
      const pipeline = [{ $unwind: '$tags' }];
      const native = runNative(docs, pipeline);
      expect(native).to.deep.equal(new Aggregator(pipeline, QUERY_OPTIONS).run(docs.map((d) => structuredClone(d))));
      expect(native!.map((row) => Object.keys(row))).to.deep.equal([['_id', 'tags', 'n'], ['_id', 'tags', 'n'], ['_id', 'tags', 'n'], ['_id', 'tags'], ['_id', 'tags'], ['_id', 'tags']]);
      expect(docs[0]!.tags, 'the documents read are left as they were').to.deep.equal(['x', null, 'y']);
    });

    it('counts nothing as no document at all, like MongoDB (mingo answers { n: 0 })', () =>
      expect(runNative(DOCS, [{ $match: { brand: 'Nobody' } }, { $count: 'n' }])).to.deep.equal([]));

    it('leaves to mingo what is outside its subset: other stages, operators, array sort keys', () => {
      expect(runNative(DOCS, [{ $unwind: { path: '$tags', preserveNullAndEmptyArrays: true } }])).to.equal(undefined);
      expect(runNative(DOCS, [{ $unwind: '$rank.t_red' }])).to.equal(undefined);
      expect(runNative(DOCS, [{ $group: { _id: '$brand', top: { $max: '$stock' } } }])).to.equal(undefined);
      expect(runNative(DOCS, [{ $addFields: { x: { $multiply: ['$stock', 2] } } }])).to.equal(undefined);
      expect(runNative(DOCS, [{ $sort: { tags: 1 } }])).to.equal(undefined);
      expect(runNative(DOCS, [{ $sort: { price: 1 } }])).to.equal(undefined);
    });

    it('projects like MongoDB: a path through an object that lacks the rest leaves it empty, one through a scalar or a missing field leaves it out', () => {
      const docs: Document[] = [{ _id: 'a', p: { q: 1, r: 2 } }, { _id: 'b', p: { r: 2 } }, { _id: 'c', p: 5 }, { _id: 'd' }, { _id: 'e', p: null }];
      expect(runNative(docs, [{ $project: { 'p.q': 1 } }])).to.deep.equal([{ _id: 'a', p: { q: 1 } }, { _id: 'b', p: {} }, { _id: 'c' }, { _id: 'd' }, { _id: 'e' }]);
      // A computed field that reads a missing one is left out (mingo sets it to undefined).
      expect(runNative(docs, [{ $project: { _id: 0, q: '$p.q' } }])).to.deep.equal([{ q: 1 }, {}, {}, {}, {}]);
    });

    it('leaves to mingo projections outside its subset: exclusions, literals, paths through arrays', () => {
      expect(runNative(DOCS, [{ $project: { brand: 0 } }])).to.equal(undefined);
      expect(runNative(DOCS, [{ $project: { brand: 1, five: 5 } }])).to.equal(undefined);
      expect(runNative([{ _id: 'a', list: [{ x: 1 }] }], [{ $project: { 'list.x': 1 } }])).to.equal(undefined);
      expect(runNative(DOCS, [{ $group: { _id: '$brand', low: { $min: '$tags' } } }])).to.equal(undefined);
    });

    it('does not modify the documents it reads', () => {
      const before = structuredClone(DOCS);
      runNative(DOCS, [{ $addFields: { score: 1 } }, { $sort: { score: 1 } }]);
      runNative(DOCS, [{ $addFields: { stock: 0 } }]);
      expect(DOCS).to.deep.equal(before);
    });
  });
});
