/**
 * JSON Schema (2020-12, as OpenAPI 3.1 uses it) for the shapes the query functions answer.
 * The builders keep each shape as short as its TypeScript type; objects are closed
 * (`additionalProperties: false`) unless said otherwise, so a field a query starts to
 * answer without its schema fails the response check of the HTTP tests.
 */

export type JsonSchema = { [keyword: string]: unknown };

export const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
export const int = (extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', ...extra });
export const num = (extra: JsonSchema = {}): JsonSchema => ({ type: 'number', ...extra });
export const bool = (): JsonSchema => ({ type: 'boolean' });
export const uuid = (): JsonSchema => str({ format: 'uuid' });
export const time = (): JsonSchema => str({ format: 'date-time' });
export const oneOf = (...values: readonly string[]): JsonSchema => ({ type: 'string', enum: [...values] });
export const arr = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
/** An object whose fields are known to the schema; `optional` names those that may be absent. */
export const obj = (properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((key) => !optional.includes(key)),
  additionalProperties: false,
});
/** A map from free keys (facet values, error details) to one shape. */
export const dict = (values: JsonSchema): JsonSchema => ({ type: 'object', additionalProperties: values });
/** Any JSON value: event data and read-model state are the events' own shapes, described by the event schema. */
export const anyJson = (): JsonSchema => ({});

export const money = (): JsonSchema => obj({ amount: int(), currency: str({ pattern: '^[A-Z]{3}$' }) });
/** One page of a list: every list route answers this. */
/** A page of a list; `next`: the cursor of the page after it, null on the last. */
export const paged = (item: JsonSchema): JsonSchema =>
  obj({ items: arr(item), total: int({ minimum: 0 }), page: int({ minimum: 1 }), pageSize: int({ minimum: 1 }), next: nullable(str({ description: "The page after this one: send it as `after` (null: this is the last)." })) }, ['next']);
export const address = (): JsonSchema => obj({ line1: str(), city: str(), postalCode: str(), country: str() });
/** A closed object (from obj) with more fields. */
export const withFields = (base: JsonSchema, properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema => ({
  ...base,
  properties: { ...(base.properties as Record<string, JsonSchema>), ...properties },
  required: [...(base.required as string[]), ...Object.keys(properties).filter((key) => !optional.includes(key))],
});
