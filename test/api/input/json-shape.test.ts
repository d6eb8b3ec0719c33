import { expect } from 'chai';
import {
  countJsonValues,
  jsonShapeProblem,
  MAX_JSON_ARRAY_ITEMS,
  MAX_JSON_DEPTH,
  MAX_JSON_KEY_LENGTH,
  MAX_JSON_KEYS,
  MAX_JSON_VALUES,
  namesIn,
  scanJson,
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

  describe('the values of a body, counted over its bytes before it is parsed', () => {
    const bytes = (text: string) => Buffer.from(text, 'utf8');
    const count = (value: unknown) => countJsonValues(bytes(JSON.stringify(value)));

    it('counts the body and each member or item of every object and array in it, white space or not', () => {
      expect(count({})).to.equal(1);
      expect(count([])).to.equal(1);
      expect(count('x')).to.equal(1);
      expect(count({ a: 1, b: [1, 2, 3], c: { d: null } })).to.equal(8);
      expect(count([[{}, {}], [0]])).to.equal(6);
      expect(countJsonValues(bytes(' {\n "a" : [ ] ,\t"b":[ 1 , 2 ]\r\n} '))).to.equal(5);
    });

    it('counts nothing inside strings: commas, brackets, escaped quotes and characters beyond ASCII', () => {
      expect(count({ text: ',,,[[[{{{'.repeat(1_000) })).to.equal(2);
      expect(count({ text: 'a "quoted, [text]" \\ then, more', name: 'Zoë, „Ω“ ,' })).to.equal(3);
      expect(countJsonValues(bytes(String.raw`{"a":"\\","b":"\",[", "c": 1}`))).to.equal(4);
    });

    it('stops once over the limit: the body of 340,000 empty objects is refused for 20,001', () => {
      const many = bytes(`{"a":[${Array(340).fill(`[${Array(1_000).fill('{}').join(',')}]`).join(',')}]}`);
      expect(countJsonValues(many)).to.equal(MAX_JSON_VALUES + 1);
      expect(countJsonValues(bytes(JSON.stringify(Array(MAX_JSON_VALUES - 1).fill(0))))).to.equal(MAX_JSON_VALUES);
    });

    it('counts the names of its objects, outside strings, as many as parsing keeps unless one is given twice', () => {
      const text = String.raw`{"a":{"b:c":1,"d":[{"e":null},{}]},"f":"g:h"}`;
      expect(scanJson(bytes(text)).names).to.equal(5);
      expect(namesIn(JSON.parse(text))).to.equal(5);
      const twice = String.raw`{"a":1,"b":{"x":1,"\u0078":2}}`;
      expect(scanJson(bytes(twice)).names).to.equal(4);
      expect(namesIn(JSON.parse(twice))).to.equal(3);
    });
  });
});
