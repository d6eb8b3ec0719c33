import fc from 'fast-check';
import type { Schema } from './json-values.js';
import type { FuzzRequest, Operation } from './requests.js';

/**
 * The kinds of invalid request, each made from a valid one by spoiling exactly one thing, with
 * the status that thing must get: a field missing, extra, mistyped, out of range, oversized,
 * nested too deep, holding control characters; a body that is not JSON or not JSON's object;
 * the wrong content type; a query string or header that no rule accepts; no token or a bad
 * one; a customer's token on an admin route; another customer's ids.
 */

export type Spoil = (request: FuzzRequest) => fc.Arbitrary<FuzzRequest>;

const spoiled = (request: FuzzRequest, kind: string, expect: number[], change: Partial<FuzzRequest>): FuzzRequest => ({ ...request, ...change, kind, expect });

/** A field's place in a body: its path and its schema (with $refs followed). */
type Field = { path: string[]; schema: Schema; required: boolean };

export const fieldsOf = (schema: Schema, resolve: (ref: string) => Schema, path: string[] = []): Field[] => {
  const own = typeof schema.$ref === 'string' ? resolve(schema.$ref) : schema;
  if (own.type !== 'object') return [];
  const required = (own.required ?? []) as string[];
  return Object.entries((own.properties ?? {}) as Record<string, Schema>).flatMap(([name, property]) => {
    const field = { path: [...path, name], schema: typeof property.$ref === 'string' ? resolve(property.$ref) : property, required: required.includes(name) };
    return [field, ...fieldsOf(field.schema, resolve, field.path)];
  });
};

/** `body` with the value at `path` replaced (undefined removes it); parents missing are created. */
export const withValue = (body: unknown, path: string[], value: unknown): unknown => {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const object = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
  const next = withValue(object[head], rest, value);
  if (next === undefined) delete object[head];
  else object[head] = next;
  return object;
};

const deep = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));
const isText = (schema: Schema) => schema.type === 'string' && schema['x-text-rules'] !== undefined;

/** Values the field's own type refuses. */
const mistyped = (schema: Schema): fc.Arbitrary<unknown> => {
  const others: unknown[] = [null, true, [], { a: 1 }];
  if (schema.type === 'string') others.push(5, 1.5);
  if (schema.type === 'integer' || schema.type === 'number') others.push('5', '0x10', 1.5);
  if (schema.type === 'object') others.push('x', 5);
  return fc.constantFrom(...others.filter((v) => !(schema.type === 'number' && v === 1.5)));
};

/** Values past the field's own bounds: numbers outside min/max, texts too long or too short, off-enum, off-pattern, off-format. */
const outOfRange = (schema: Schema): fc.Arbitrary<unknown> | undefined => {
  const options: unknown[] = [];
  if (typeof schema.minimum === 'number') options.push(schema.minimum - 1);
  if (typeof schema.maximum === 'number' && schema.maximum < Number.MAX_SAFE_INTEGER) options.push(schema.maximum + 1);
  if (schema.type === 'string') {
    if (typeof schema.maxLength === 'number') options.push('x'.repeat(schema.maxLength + 1));
    if (typeof schema.minLength === 'number' && schema.minLength > 1) options.push('x'.repeat(schema.minLength - 1));
    if (Array.isArray(schema.enum) || typeof schema.pattern === 'string' || schema.format !== undefined) options.push('not valid here!');
  }
  return options.length > 0 ? fc.constantFrom(...options) : undefined;
};

/** Texts the house rules refuse: control characters, bidirectional controls, a lone surrogate, blank. */
const CONTROL_TEXTS = ['a\u0000b', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u2028b', 'a\ud800b'];
const BIDI_TEXTS = ['a\u202eb', 'a\u2066b', 'a\u200fb', 'a\u061cb'];
/** What a text field's own rules refuse (a password takes bidirectional marks: a right-to-left keyboard types them). */
const refusedTexts = (schema: Schema): string[] => {
  const rules = (schema['x-text-rules'] ?? {}) as Record<string, unknown>;
  return [...CONTROL_TEXTS, ...(rules.noBidiControls ? BIDI_TEXTS : [])];
};
const BLANK_TEXTS = ['   ', '\u200b', '\u3164', '\u00ad\u200b'];

/** The body spoilers of an operation that takes one. */
export const bodySpoilers = (op: Operation, resolve: (ref: string) => Schema): Spoil[] => {
  if (!op.body) return [];
  const fields = fieldsOf(op.body.schema, resolve);
  const objects = [[] as string[], ...fields.filter((f) => f.schema.type === 'object').map((f) => f.path)];
  const pick = <T>(items: T[]) => fc.constantFrom(...items);
  const at = (path: string[]) => ['body', ...path].join('.');
  const spoilers: Spoil[] = [
    (r) => pick(objects).map((path) => spoiled(r, `${at(path)}: an unknown field`, [400], { body: withValue(r.body, [...path, 'unexpected'], 'x') })),
    (r) => fc.constantFrom<unknown>([], 'text', 42, null, [r.body]).map((body) => spoiled(r, 'body: not a JSON object', [400], { body: undefined, raw: { contentType: 'application/json', text: JSON.stringify(body) } })),
    (r) => fc.constantFrom('{', '{"a":', '{"a":1,}', "{'a':1}", '\u0000', '{"a":1}{').map((text) => spoiled(r, 'body: malformed JSON', [400], { body: undefined, raw: { contentType: 'application/json', text } })),
    (r) => fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x').map((type) => spoiled(r, `body: sent as ${type}`, [415], { body: undefined, raw: { contentType: type, text: JSON.stringify(r.body ?? {}) } })),
    (r) => fc.constant(spoiled(r, 'body: over 1 MB', [413], { body: undefined, raw: { contentType: 'application/json', text: JSON.stringify({ padding: 'x'.repeat(1_100_000) }) } })),
  ];
  if (fields.length === 0) return [...spoilers, (r) => fc.constant(spoiled(r, 'body: nested 40 deep', [400], { body: { deep: deep(40) } }))];
  spoilers.push((r) => pick(fields).map((f) => spoiled(r, `${at(f.path)}: nested 40 deep`, [400], { body: withValue(r.body, f.path, deep(40)) })));
  const required = fields.filter((f) => f.required);
  if (required.length > 0) spoilers.push((r) => pick(required).map((f) => spoiled(r, `${at(f.path)}: missing`, [400], { body: withValue(r.body, f.path, undefined) })));
  spoilers.push((r) => pick(fields).chain((f) => mistyped(f.schema).map((v) => spoiled(r, `${at(f.path)}: mistyped`, [400], { body: withValue(r.body, f.path, v) }))));
  const ranged = fields.filter((f) => outOfRange(f.schema) !== undefined);
  if (ranged.length > 0) spoilers.push((r) => pick(ranged).chain((f) => outOfRange(f.schema)!.map((v) => spoiled(r, `${at(f.path)}: out of range`, [400], { body: withValue(r.body, f.path, v) }))));
  spoilers.push((r) => pick(fields).chain((f) => fc.constantFrom<unknown>('x'.repeat(10_001), Array.from({ length: 1_001 }, () => 1)).map((v) => spoiled(r, `${at(f.path)}: oversized`, [400], { body: withValue(r.body, f.path, v) }))));
  const texts = fields.filter((f) => isText(f.schema));
  if (texts.length > 0) {
    spoilers.push((r) => pick(texts).chain((f) => fc.constantFrom(...refusedTexts(f.schema)).map((v) => spoiled(r, `${at(f.path)}: control or bidi character`, [400], { body: withValue(r.body, f.path, v) }))));
    const refuseBlank = texts.filter((f) => (f.schema['x-text-rules'] as Record<string, unknown>).notBlank);
    if (refuseBlank.length > 0) spoilers.push((r) => pick(refuseBlank).chain((f) => fc.constantFrom(...BLANK_TEXTS).map((v) => spoiled(r, `${at(f.path)}: blank`, [400], { body: withValue(r.body, f.path, v) }))));
  }
  return spoilers;
};

/** Query strings no rule accepts: an unknown parameter, one given twice, a number in another notation, a value out of range. */
export const querySpoilers = (op: Operation): Spoil[] => {
  const withQuery = (r: FuzzRequest, extra: string) => `${r.url}${r.url.includes('?') ? '&' : '?'}${extra}`;
  if (op.method !== 'get') return op.api ? [(r) => fc.constant(spoiled(r, 'a query string on a write', [400], { url: withQuery(r, 'dryRun=true') }))] : [];
  if (!op.api) return [];
  const spoilers: Spoil[] = [(r) => fc.constant(spoiled(r, 'query: an unknown parameter', [400], { url: withQuery(r, 'unexpected=1') }))];
  if (op.query.length === 0) return spoilers;
  const encoded = (name: string, value: string) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  spoilers.push((r) => fc.constantFrom(...op.query).map((p) => spoiled(r, `query.${p.name}: given twice`, [400], { url: withQuery(r, `${encoded(p.name, 'a')}&${encoded(p.name, 'b')}`) })));
  const numbers = op.query.filter((p) => p.schema.type === 'integer');
  if (numbers.length > 0) {
    const bad = ['0x10', '1e3', ' 16', '+16', '16.0', 'NaN', 'Infinity', '-', '99999999999999999999999', '\u0661\u0666'];
    spoilers.push((r) => fc.tuple(fc.constantFrom(...numbers), fc.constantFrom(...bad)).map(([p, v]) => spoiled(r, `query.${p.name}: not a decimal integer`, [400], { url: replaceQuery(r.url, p.name, v) })));
  }
  const ranged = op.query.filter((p) => outOfRange(p.schema) !== undefined);
  if (ranged.length > 0) spoilers.push((r) => fc.constantFrom(...ranged).chain((p) => outOfRange(p.schema)!.map((v) => spoiled(r, `query.${p.name}: out of range`, [400], { url: replaceQuery(r.url, p.name, String(v)) }))));
  const texts = op.query.filter((p) => isText(p.schema));
  if (texts.length > 0) {
    // A lone surrogate cannot travel in a URL: encodeURIComponent refuses it.
    const refused = (p: (typeof texts)[number]) => fc.constantFrom(...refusedTexts(p.schema).filter((t) => !t.includes('\ud800')));
    spoilers.push((r) => fc.constantFrom(...texts).chain((p) => refused(p).map((v) => spoiled(r, `query.${p.name}: control or bidi character`, [400], { url: replaceQuery(r.url, p.name, v) }))));
  }
  return spoilers;
};

const replaceQuery = (url: string, name: string, value: string): string => {
  const [path, search = ''] = url.split('?') as [string, string?];
  const params = new URLSearchParams(search);
  params.set(name, value);
  return `${path}?${params.toString()}`;
};

/**
 * Header values no rule accepts: If-Match that is no ETag (400) or an ETag that can be no revision (412: a
 * precondition that fails, RFC 9110 §13.1.1), an Idempotency-Key too long or with a control character, an
 * X-Min-Position that is no position.
 */
export const headerSpoilers = (op: Operation): Spoil[] => {
  const spoilers: Spoil[] = [];
  const header =
    (name: string, values: string[], status = 400) =>
    (r: FuzzRequest) =>
      fc.constantFrom(...values).map((v) => spoiled(r, `header ${name}: invalid`, [status], { headers: { ...r.headers, [name]: v } }));
  if (op.headers.includes('If-Match')) spoilers.push(header('If-Match', ['3', 'abc', '"x', '"1" "2"']), header('If-Match', ['"x"', '"-1"', '"1234567890123456"', 'W/"0"'], 412));
  if (op.headers.includes('Idempotency-Key')) spoilers.push(header('Idempotency-Key', ['k'.repeat(256), 'key with é', 'tab\tkey']));
  if (op.headers.includes('X-Min-Position')) spoilers.push(header('X-Min-Position', ['abc', '-1', '1.5', '12345678901234567']));
  return spoilers;
};
