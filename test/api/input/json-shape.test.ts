import { expect } from 'chai';
import {
  jsonShapeProblem,
  MAX_JSON_ARRAY_ITEMS,
  MAX_JSON_DEPTH,
  MAX_JSON_KEY_LENGTH,
  MAX_JSON_KEYS,
} from '../../../src/api/input/json-shape.js';

const nested = (depth: number, leaf: unknown = 'x'): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

describe('The JSON shape bounds', () => {
  describe('a value within every bound', () => {
    it('passes, at each bound exactly', () => {
      const value = {
        deep: nested(MAX_JSON_DEPTH - 1),
        list: Array.from({ length: MAX_JSON_ARRAY_ITEMS }, (_, i) => i),
        // A string's length is its field's to judge, with its own limit (text-rules.test.ts).
        text: 'x'.repeat(100_000),
        ['k'.repeat(MAX_JSON_KEY_LENGTH)]: true,
        wide: Object.fromEntries(Array.from({ length: MAX_JSON_KEYS }, (_, i) => [`k${i}`, null])),
      };
      expect(jsonShapeProblem(value)).to.equal(undefined);
    });
  });

  describe('a value out of bounds', () => {
    it('names the path where it nests too deep', () => {
      expect(jsonShapeProblem({ email: nested(1_300) })).to.deep.equal({
        field: `email${'[0]'.repeat(MAX_JSON_DEPTH - 1)}`,
        message: `nests deeper than ${MAX_JSON_DEPTH} levels`,
      });
      expect(jsonShapeProblem(nested(40), 'body')?.field).to.equal(`body${'[0]'.repeat(MAX_JSON_DEPTH)}`);
    });

    it('walks a value nested 100,000 deep without overflowing the stack', () => {
      const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
      expect(jsonShapeProblem(deep)?.message).to.equal(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    });

    it('names an array that is too long, an object with too many fields', () => {
      expect(jsonShapeProblem({ items: [{ tags: Array(MAX_JSON_ARRAY_ITEMS + 1).fill('t') }] })).to.deep.equal({
        field: 'items[0].tags',
        message: `must have at most ${MAX_JSON_ARRAY_ITEMS} items`,
      });
      const wide = Object.fromEntries(Array.from({ length: MAX_JSON_KEYS + 1 }, (_, i) => [`k${i}`, 1]));
      expect(jsonShapeProblem({ price: wide })).to.deep.equal({ field: 'price', message: `must have at most ${MAX_JSON_KEYS} fields` });
    });

    it('names the object holding a field name that is too long, without echoing it', () => {
      expect(jsonShapeProblem({ a: { ['k'.repeat(MAX_JSON_KEY_LENGTH + 1)]: 1 } })).to.deep.equal({
        field: 'a',
        message: `has a field name longer than ${MAX_JSON_KEY_LENGTH} characters`,
      });
    });

    it('refuses __proto__, constructor and prototype as field names at any depth, like unknown fields', () => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        const body = JSON.parse(`{"name":"x","shippingAddress":{"${key}":{"admin":true}}}`) as unknown;
        expect(jsonShapeProblem(body)).to.deep.equal({ field: `shippingAddress.${key}`, message: 'should not exist' });
        expect(jsonShapeProblem(JSON.parse(`{"${key}":1}`))).to.deep.equal({ field: key, message: 'should not exist' });
      }
    });

    it('refuses numbers JSON cannot carry back (1e400 parses as Infinity)', () => {
      expect(jsonShapeProblem(JSON.parse('{"quantity":1e400}'))).to.deep.equal({ field: 'quantity', message: 'must be a finite number' });
      expect(jsonShapeProblem({ delta: Number.NaN })).to.deep.equal({ field: 'delta', message: 'must be a finite number' });
    });
  });
});
