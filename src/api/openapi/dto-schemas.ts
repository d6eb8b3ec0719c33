import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { JsonSchema } from '../../projections/json-schema.js';
import type { DtoClass } from './route-table.js';

/**
 * The request schemas, read from the class-validator decorators of the DTOs that validate
 * the requests: what the document says a field takes is what parseDto enforces.
 */

export const SCHEMA_PREFIX = '#/components/schemas/';

/** class-validator-jsonschema makes any number with Min/Max a "number", even where IsInt said "integer". */
const BOUNDS_ONLY = {
  min: (meta: { constraints: unknown[] }) => ({ minimum: meta.constraints[0] }),
  max: (meta: { constraints: unknown[] }) => ({ maximum: meta.constraints[0] }),
  [ValidationTypes.CUSTOM_VALIDATION]: {},
};

/** The schemas of `dtos` and of the DTOs they nest, by class name: closed (unknown fields are refused) and with their defaults. */
export const dtoSchemas = (dtos: readonly DtoClass[]): Record<string, JsonSchema> => {
  const all = validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: SCHEMA_PREFIX,
    additionalConverters: BOUNDS_ONLY,
  }) as Record<string, JsonSchema>;
  const classes = new Map(dtos.map((dto) => [dto.name, dto]));
  const schemas: Record<string, JsonSchema> = {};
  const add = (name: string) => {
    if (schemas[name] || !all[name]) return;
    schemas[name] = closed(all[name], classes.get(name));
    for (const match of JSON.stringify(all[name]).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) add(match[1]!);
  };
  for (const dto of dtos) add(dto.name);
  return schemas;
};

/** A field with a class default (`page = 1`) may be left out: it is not required, and the default is documented. */
const closed = (schema: JsonSchema, dto: DtoClass | undefined): JsonSchema => {
  const defaults = (dto ? new dto() : {}) as Record<string, unknown>;
  const properties = { ...(schema.properties as Record<string, JsonSchema>) };
  for (const [field, value] of Object.entries(defaults)) {
    if (value !== undefined && properties[field]) properties[field] = { ...properties[field], default: value };
  }
  const required = ((schema.required as string[] | undefined) ?? []).filter((field) => defaults[field] === undefined);
  const { required: _all, ...rest } = schema;
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
};
