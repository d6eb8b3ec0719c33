import fc from 'fast-check';

/**
 * Values that a JSON Schema of the OpenAPI document accepts, as fast-check arbitraries: the
 * keywords class-validator-jsonschema writes (type, properties, required, enum, pattern,
 * format, lengths, bounds, $ref) and the house text rules (`x-text-rules`), which JSON Schema
 * cannot say and the document names. A field the world knows values for (a product id, a
 * SKU, a payment token) takes one of those half the time, so that requests reach past the
 * 404 into the handler's own decisions.
 */

export type Schema = Record<string, unknown>;
export type Hints = Record<string, fc.Arbitrary<unknown>>;

/** What a visible text is made of: letters of several scripts, digits, punctuation, an astral symbol. */
const TEXT_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-_\'&éßøЖ中文😀'];
const VISIBLE = fc.constantFrom(...TEXT_CHARS.filter((c) => c.trim() !== ''));
const TIMES = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true });
const WORD = fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/);

export class SchemaValues {
  constructor(
    private readonly resolve: (ref: string) => Schema,
    private readonly hints: Hints = {},
  ) {}

  /** Any value `schema` accepts; `name` is the field's name, for hints. */
  of(schema: Schema, name?: string): fc.Arbitrary<unknown> {
    const own = this.plain(schema);
    const hint = name !== undefined ? this.hints[name] : undefined;
    return hint ? fc.oneof(hint, own) : own;
  }

  private plain(schema: Schema): fc.Arbitrary<unknown> {
    if (typeof schema.$ref === 'string') return this.plain(this.resolve(schema.$ref));
    if (Array.isArray(schema.anyOf)) {
      const { anyOf, ...rest } = schema;
      return fc.oneof(...(anyOf as Schema[]).map((alternative) => this.plain({ ...rest, ...alternative })));
    }
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    switch (schema.type) {
      case 'object':
        return this.object(schema);
      case 'array':
        return fc.array(this.of((schema.items ?? {}) as Schema), { minLength: Number(schema.minItems ?? 0), maxLength: Math.min(Number(schema.maxItems ?? 5), 5) });
      case 'integer':
        return fc.integer({ min: bound(schema.minimum, -1e6), max: bound(schema.maximum, 1e6) });
      case 'number':
        return fc.double({ min: bound(schema.minimum, -1e6), max: bound(schema.maximum, 1e6), noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'string':
        return this.string(schema);
      default:
        return fc.constant(null);
    }
  }

  private object(schema: Schema): fc.Arbitrary<unknown> {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const model = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, this.of(property, key)]));
    return fc.record(model, { requiredKeys: (schema.required ?? []) as string[] });
  }

  private string(schema: Schema): fc.Arbitrary<string> {
    const min = Number(schema.minLength ?? 0);
    const max = Math.min(Number(schema.maxLength ?? 64), 64);
    if (schema.format === 'uuid') return fc.uuid();
    if (schema.format === 'date-time') return TIMES.map((time) => time.toISOString());
    if (schema.format === 'date') return TIMES.map((time) => time.toISOString().slice(0, 10));
    if (schema.format === 'email') return fc.tuple(WORD, WORD).map(([local, domain]) => `${local}@${domain}.example`);
    if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= max);
    if (schema['x-text-rules'] === undefined) return fc.string({ unit: VISIBLE, minLength: Math.max(min, 1), maxLength: Math.max(min, max) });
    return visibleText(min, max);
  }
}

/** A text that is not blank after trimming and has `min`..`max` characters once trimmed. */
export const visibleText = (min: number, max: number): fc.Arbitrary<string> =>
  fc
    .tuple(VISIBLE, fc.string({ unit: fc.constantFrom(...TEXT_CHARS), minLength: Math.max(0, min - 1), maxLength: Math.max(0, min - 1, Math.min(max, 40) - 1) }))
    .map(([first, rest]) => (first + rest).trim())
    .filter((text) => [...text].length <= max && text.length >= min && text.length <= max);

const bound = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? Math.max(Math.min(value, 1e12), -1e12) : fallback);
